package classify

import (
	"fmt"
	"io"
	"math"
)

// calibrated trains a model on all the data, after fitting a temperature
// on a held-out fifth: AdaGrad on many sparse features gives confident
// logits (0.999 for ordinary messages), and the desk sorts and filters by
// these probabilities. Dividing the weights by the temperature changes no
// decision, costs nothing at run time, and makes the probabilities honest.
func calibrated(log io.Writer, name string, classes []string, data []example, o trainOptions) *linear {
	var train, held []example
	for _, e := range data {
		if e.key%5 == 0 && e.weight == 0 {
			held = append(held, e)
		} else {
			train = append(train, e)
		}
	}
	t := 1.0
	if len(held) > 0 {
		t = temperature(trainLinear(name, classes, train, o), held)
	}
	m := trainLinear(name, classes, data, o)
	for i := range m.w {
		m.w[i] /= float32(t)
	}
	fmt.Fprintf(log, "%s: temperature %.2f\n", name, t)
	return m
}

// temperature picks the divisor of the logits that minimises the log loss
// on held-out examples.
func temperature(m *linear, held []example) float64 {
	k := len(m.Classes)
	logits := make([][]float64, len(held))
	for i, e := range held {
		logits[i] = make([]float64, k)
		m.scores(e.vec, logits[i])
	}
	best, bestLoss := 1.0, math.Inf(1)
	p := make([]float64, k)
	for t := 0.5; t <= 6; t += 0.25 {
		var loss float64
		for i, e := range held {
			for c := range k {
				p[c] = logits[i][c] / t
			}
			softmax(p)
			loss -= math.Log(max(p[e.label], 1e-12))
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}

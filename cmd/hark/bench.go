package main

import "errors"

// Placeholder until the benchmarks land.
func cmdBench(args []string) error { return errors.New("not built yet") }

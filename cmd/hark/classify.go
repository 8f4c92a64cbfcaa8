package main

import "errors"

// Placeholder until the classifier lands.
func cmdTrain(args []string) error    { return errors.New("not built yet") }
func cmdClassify(args []string) error { return errors.New("not built yet") }
func cmdEval(args []string) error     { return errors.New("not built yet") }

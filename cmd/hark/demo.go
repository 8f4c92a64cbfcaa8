package main

import "errors"

// Placeholder until the demo lands.
func cmdDemo(args []string) error { return errors.New("not built yet") }

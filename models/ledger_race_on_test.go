//go:build race

package models_test

// raceOn: the race detector slows pure-Go SQLite ~15×; size loops to fit.
const raceOn = true

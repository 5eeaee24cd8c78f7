//go:build race

package feedpg_test

func init() { raceEnabled = true }

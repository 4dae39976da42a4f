// tessera-load drives Tessera's benchmark scenarios: open-loop steps at a fixed arrival
// rate (vegeta's constant pacer: requests leave on schedule whatever the latency, so
// queueing shows in the figures instead of hiding behind slow responses) and closed-loop
// steps with a fixed number of workers, for saturation ramps.
//
// Usage: tessera-load plan.json > result.json (progress on stderr, a line per second).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tessera-load plan.json")
		os.Exit(2)
	}
	plan, err := readPlan(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	result, err := run(plan, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func readPlan(path string) (*Plan, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var plan Plan
	if err := json.Unmarshal(raw, &plan); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return &plan, plan.validate()
}

// RunResult is what the harness reads back: one entry per step, and the generator's own
// CPU time, so the report can say how much of the machine the load itself took.
type RunResult struct {
	Scenario      string        `json:"scenario"`
	Steps         []*StepResult `json:"steps"`
	CPUSeconds    float64       `json:"cpu_seconds"`
	WallSeconds   float64       `json:"wall_seconds"`
	GoMaxProcs    int           `json:"gomaxprocs"`
	StartedAtUnix float64       `json:"started_at_unix"`
}

func run(plan *Plan, progress io.Writer) (*RunResult, error) {
	scenario, err := newScenario(plan)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	cpuStart := cpuSeconds()
	result := &RunResult{Scenario: plan.Scenario, GoMaxProcs: goMaxProcs(), StartedAtUnix: unixSeconds(started)}
	for _, step := range plan.Steps {
		stepResult := runStep(plan, step, scenario, progress)
		result.Steps = append(result.Steps, stepResult)
		if step.PauseSeconds > 0 {
			time.Sleep(time.Duration(step.PauseSeconds * float64(time.Second)))
		}
	}
	result.CPUSeconds = cpuSeconds() - cpuStart
	result.WallSeconds = time.Since(started).Seconds()
	return result, nil
}

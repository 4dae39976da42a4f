package main

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A scenario makes the requests and reads what comes back; Observe runs on one goroutine.
type Scenario interface {
	Targeter() vegeta.Targeter
	Observe(result *vegeta.Result, step *StepResult)
	// Settle waits for what outlives the step's requests (visibility polls) and records it.
	Settle(step *StepResult)
}

// StepResult is one step's figures; latencies include failed requests (a timeout counts
// as its full wait), so errors cannot flatter the percentiles.
type StepResult struct {
	Name          string             `json:"name"`
	Mode          string             `json:"mode"` // "open" or "closed"
	OfferedRate   float64            `json:"offered_rate"`
	Workers       uint64             `json:"workers"`
	Seconds       float64            `json:"seconds"`
	Requests      int                `json:"requests"`
	OK            int                `json:"ok"`
	Errors        int                `json:"errors"`
	Conflicts     int                `json:"conflicts"` // 409 and 412: optimistic concurrency at work
	Codes         map[string]int     `json:"codes"`
	ErrorSamples  []string           `json:"error_samples"`
	Throughput    float64            `json:"throughput"` // successful requests per second
	Latency       Summary            `json:"latency_ms"`
	ByOperation   map[string]Summary `json:"by_operation,omitempty"`
	Timeline      []Second           `json:"timeline"`
	MaxInFlight   int64              `json:"max_in_flight"`
	CPUSeconds    float64            `json:"cpu_seconds"`
	StartedAtUnix float64            `json:"started_at_unix"`
	// ingest
	RecordsAccepted   int     `json:"records_accepted,omitempty"`
	RecordsDuplicates int     `json:"records_duplicates,omitempty"`
	RecordsPerSecond  float64 `json:"records_per_second,omitempty"`
	// commands: acknowledgement -> first read that returns the created user
	Visibility         *Summary `json:"visibility_ms,omitempty"`
	VisibilityTimeouts int      `json:"visibility_timeouts,omitempty"`

	latencies   []float64
	byOperation map[string][]float64
	seconds     map[int]*secondBucket
}

func runStep(plan *Plan, step Step, scenario Scenario, progress io.Writer) *StepResult {
	result := &StepResult{
		Name: step.Name, OfferedRate: step.Rate, Workers: step.Workers, Codes: map[string]int{},
		byOperation: map[string][]float64{}, seconds: map[int]*secondBucket{},
	}
	timeout := time.Duration(plan.Timeout * float64(time.Second))
	options := []func(*vegeta.Attacker){
		vegeta.Timeout(timeout), vegeta.KeepAlive(true), vegeta.Redirects(vegeta.NoFollow),
		vegeta.MaxBody(1 << 20), vegeta.Connections(10000),
	}
	var pacer vegeta.Pacer
	if step.Rate > 0 {
		result.Mode = "open"
		pacer = vegeta.ConstantPacer{Freq: int(step.Rate), Per: time.Second}
		// Enough workers that none is ever waited for: arrivals stay on schedule.
		options = append(options, vegeta.Workers(64), vegeta.MaxWorkers(20000))
	} else {
		result.Mode = "closed"
		pacer = vegeta.ConstantPacer{Freq: 0}
		options = append(options, vegeta.Workers(step.Workers), vegeta.MaxWorkers(step.Workers))
	}
	attacker := vegeta.NewAttacker(options...)
	var inFlight, maxInFlight atomic.Int64
	targeter := scenario.Targeter()
	counted := func(target *vegeta.Target) error {
		now := inFlight.Add(1)
		for high := maxInFlight.Load(); now > high && !maxInFlight.CompareAndSwap(high, now); {
			high = maxInFlight.Load()
		}
		return targeter(target)
	}
	began := time.Now()
	result.StartedAtUnix = unixSeconds(began)
	cpuStart := cpuSeconds()
	duration := time.Duration(step.Duration * float64(time.Second))
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	results := attacker.Attack(counted, pacer, duration, step.Name)
	lastEnd := began
	for done := false; !done; {
		select {
		case res, open := <-results:
			if !open {
				done = true
				break
			}
			inFlight.Add(-1)
			result.record(res, began)
			scenario.Observe(res, result)
			if end := res.End(); end.After(lastEnd) {
				lastEnd = end
			}
		case <-ticker.C:
			result.report(progress, began)
		}
	}
	scenario.Settle(result)
	result.Seconds = lastEnd.Sub(began).Seconds()
	result.CPUSeconds = cpuSeconds() - cpuStart
	result.MaxInFlight = maxInFlight.Load()
	result.finish()
	result.report(progress, began)
	return result
}

func (s *StepResult) record(res *vegeta.Result, began time.Time) {
	s.Requests++
	latency := float64(res.Latency) / float64(time.Millisecond)
	s.latencies = append(s.latencies, latency)
	code := res.Code
	s.Codes[fmt.Sprint(code)]++
	bucket := s.bucket(int(res.Timestamp.Sub(began) / time.Second))
	bucket.requests++
	bucket.latencies = append(bucket.latencies, latency)
	switch {
	case code == http.StatusConflict || code == http.StatusPreconditionFailed:
		s.Conflicts++
	case code >= 200 && code < 400:
		s.OK++
		bucket.ok++
	default:
		s.Errors++
		if len(s.ErrorSamples) < 5 {
			sample := res.Error
			if len(res.Body) > 0 {
				sample = fmt.Sprintf("%s: %.200s", res.Error, res.Body)
			}
			s.ErrorSamples = append(s.ErrorSamples, sample)
		}
	}
}

func (s *StepResult) recordOperation(operation string, res *vegeta.Result) {
	s.byOperation[operation] = append(s.byOperation[operation], float64(res.Latency)/float64(time.Millisecond))
}

func (s *StepResult) bucket(second int) *secondBucket {
	bucket, ok := s.seconds[second]
	if !ok {
		bucket = &secondBucket{}
		s.seconds[second] = bucket
	}
	return bucket
}

func (s *StepResult) finish() {
	if s.Seconds > 0 {
		s.Throughput = float64(s.OK) / s.Seconds
		s.RecordsPerSecond = float64(s.RecordsAccepted) / s.Seconds
	}
	s.Latency = summarise(s.latencies)
	if len(s.byOperation) > 0 {
		s.ByOperation = map[string]Summary{}
		for operation, latencies := range s.byOperation {
			s.ByOperation[operation] = summarise(latencies)
		}
	}
	s.Timeline = timeline(s.seconds)
}

func (s *StepResult) report(progress io.Writer, began time.Time) {
	elapsed := time.Since(began).Seconds()
	recent := s.seconds[int(elapsed)-1]
	p99 := 0.0
	if recent != nil {
		p99 = summarise(recent.latencies).P99
	}
	fmt.Fprintf(progress, "  %-14s %5.0fs  requests %7d  ok %7d  errors %5d  p99(last s) %8.1f ms\n",
		s.Name, elapsed, s.Requests, s.OK, s.Errors, p99)
}

package main

import (
	"math"
	"runtime"
	"sort"
	"syscall"
	"time"
)

// Summary holds exact percentiles (every latency is kept, then sorted).
type Summary struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	Max   float64 `json:"max"`
}

type Second struct {
	Second   int     `json:"second"`
	Requests int     `json:"requests"`
	OK       int     `json:"ok"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
}

type secondBucket struct {
	requests  int
	ok        int
	latencies []float64
}

func summarise(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	total := 0.0
	for _, v := range sorted {
		total += v
	}
	return Summary{
		Count: len(sorted),
		Mean:  total / float64(len(sorted)),
		P50:   quantile(sorted, 0.50),
		P90:   quantile(sorted, 0.90),
		P99:   quantile(sorted, 0.99),
		P999:  quantile(sorted, 0.999),
		Max:   sorted[len(sorted)-1],
	}
}

// quantile by nearest rank: the smallest value with at least q of the values at or below it.
func quantile(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	if rank < 0 {
		rank = 0
	}
	return sorted[rank]
}

func timeline(seconds map[int]*secondBucket) []Second {
	keys := make([]int, 0, len(seconds))
	for second := range seconds {
		keys = append(keys, second)
	}
	sort.Ints(keys)
	out := make([]Second, 0, len(keys))
	for _, second := range keys {
		bucket := seconds[second]
		summary := summarise(bucket.latencies)
		out = append(out, Second{second, bucket.requests, bucket.ok, summary.P50, summary.P99})
	}
	return out
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}

func goMaxProcs() int { return runtime.GOMAXPROCS(0) }

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

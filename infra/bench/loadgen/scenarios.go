package main

import (
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func newScenario(plan *Plan) (Scenario, error) {
	rng := rand.New(rand.NewSource(plan.Seed))
	switch plan.Scenario {
	case "get":
		return newGetScenario(plan, rng), nil
	case "commands":
		return newCommandScenario(plan, rng)
	case "ingest":
		if plan.BatchSize <= 0 {
			return nil, fmt.Errorf("plan: ingest needs batch_size")
		}
		return &ingestScenario{plan: plan, rng: rng}, nil
	}
	return nil, fmt.Errorf("plan: unknown scenario %q", plan.Scenario)
}

// getScenario reads one path; {tenant_id} names a tenant picked Zipf(s) by its rank, so a
// few tenants are hot and most are cold, as in a real tenant population.
type getScenario struct {
	plan *Plan
	mu   sync.Mutex
	rng  *rand.Rand
	zipf *rand.Zipf
}

func newGetScenario(plan *Plan, rng *rand.Rand) *getScenario {
	scenario := &getScenario{plan: plan, rng: rng}
	if len(plan.Tenants) > 1 {
		scenario.zipf = rand.NewZipf(rng, plan.ZipfS, 1, uint64(len(plan.Tenants)-1))
	}
	return scenario
}

func (g *getScenario) Targeter() vegeta.Targeter {
	return func(target *vegeta.Target) error {
		g.mu.Lock()
		index := 0
		if g.zipf != nil {
			index = int(g.zipf.Uint64())
		}
		query := ""
		if len(g.plan.Queries) > 0 {
			query = g.plan.Queries[g.rng.Intn(len(g.plan.Queries))]
		}
		g.mu.Unlock()
		path := g.plan.Path
		header := http.Header{}
		if len(g.plan.Tenants) > 0 {
			tenant := g.plan.Tenants[index]
			path = strings.ReplaceAll(path, "{tenant_id}", tenant.ID)
			if g.plan.Auth == "tenant" {
				header.Set("Authorization", "Bearer "+tenant.Key)
			}
		}
		if g.plan.Auth == "operator" {
			header.Set("Authorization", "Bearer "+g.plan.OperatorKey)
		}
		if query != "" {
			path += "?" + query
		}
		target.Method, target.URL, target.Header = http.MethodGet, g.plan.BaseURL+path, header
		return nil
	}
}

func (g *getScenario) Observe(*vegeta.Result, *StepResult) {}
func (g *getScenario) Settle(*StepResult)                  {}

// ingestScenario posts usage batches of BatchSize records with fresh event ids.
type ingestScenario struct {
	plan *Plan
	mu   sync.Mutex
	rng  *rand.Rand
	next int
}

type usageRecord struct {
	EventID    string `json:"event_id"`
	Meter      string `json:"meter"`
	Quantity   int    `json:"quantity"`
	OccurredAt string `json:"occurred_at"`
}

var meters = []string{"api_calls", "storage_gb_hours"}

func (s *ingestScenario) Targeter() vegeta.Targeter {
	return func(target *vegeta.Target) error {
		s.mu.Lock()
		tenant := s.plan.Tenants[s.next%len(s.plan.Tenants)]
		s.next++
		offsets := make([]int, s.plan.BatchSize)
		quantities := make([]int, s.plan.BatchSize)
		for i := range offsets {
			offsets[i] = s.rng.Intn(3600)
			quantities[i] = 1 + s.rng.Intn(100)
		}
		s.mu.Unlock()
		now := time.Now().UTC()
		records := make([]usageRecord, s.plan.BatchSize)
		for i := range records {
			records[i] = usageRecord{
				EventID:    newUUID(),
				Meter:      meters[i%len(meters)],
				Quantity:   quantities[i],
				OccurredAt: now.Add(-time.Duration(offsets[i]) * time.Second).Format(time.RFC3339),
			}
		}
		body, err := json.Marshal(map[string]any{"records": records})
		if err != nil {
			return err
		}
		header := http.Header{}
		header.Set("Authorization", "Bearer "+tenant.Key)
		header.Set("Content-Type", "application/json")
		target.Method, target.URL, target.Body, target.Header = http.MethodPost, s.plan.BaseURL+"/v1/usage", body, header
		return nil
	}
}

func (s *ingestScenario) Observe(res *vegeta.Result, step *StepResult) {
	if res.Code != http.StatusAccepted {
		return
	}
	var accepted struct {
		Accepted   int `json:"accepted"`
		Duplicates int `json:"duplicates"`
	}
	if json.Unmarshal(res.Body, &accepted) == nil {
		step.RecordsAccepted += accepted.Accepted
		step.RecordsDuplicates += accepted.Duplicates
	}
}

func (s *ingestScenario) Settle(*StepResult) {}

func newUUID() string {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// weightedChoice picks a key of weights with probability proportional to its weight,
// in a fixed key order so a seed gives one sequence.
type weightedChoice struct {
	keys       []string
	cumulative []float64
}

func newWeightedChoice(weights map[string]float64) weightedChoice {
	choice := weightedChoice{}
	for key := range weights {
		choice.keys = append(choice.keys, key)
	}
	sort.Strings(choice.keys)
	total := 0.0
	for _, key := range choice.keys {
		total += weights[key]
		choice.cumulative = append(choice.cumulative, total)
	}
	return choice
}

func (c weightedChoice) pick(rng *rand.Rand) string {
	x := rng.Float64() * c.cumulative[len(c.cumulative)-1]
	for i, bound := range c.cumulative {
		if x < bound {
			return c.keys[i]
		}
	}
	return c.keys[len(c.keys)-1]
}

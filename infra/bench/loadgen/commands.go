package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

const (
	createUser  = "create_user"
	patchTenant = "patch_tenant"
	issueKey    = "issue_key"
)

// commandScenario sends the command mix as a careful client would: POSTs carry an
// Idempotency-Key, a PATCH carries the tenant's current version in If-Match (learnt from
// the last answer) and never races another PATCH of the same tenant.
type commandScenario struct {
	plan     *Plan
	choice   weightedChoice
	mu       sync.Mutex
	rng      *rand.Rand
	sampler  *rand.Rand // Observe's own: rng belongs to the targeter's goroutines
	counter  int
	versions map[string]string // tenant id -> its current ETag
	patching map[string]bool
	byID     map[string]Tenant
	// visibility of created users in the read model
	poller  *http.Client
	waiting sync.WaitGroup
	seenMu  sync.Mutex
	seen    []float64
	missed  int
}

func newCommandScenario(plan *Plan, rng *rand.Rand) (*commandScenario, error) {
	if len(plan.Mix) == 0 {
		return nil, fmt.Errorf("plan: commands need a mix")
	}
	for operation := range plan.Mix {
		if operation != createUser && operation != patchTenant && operation != issueKey {
			return nil, fmt.Errorf("plan: unknown command %q", operation)
		}
	}
	scenario := &commandScenario{
		plan: plan, choice: newWeightedChoice(plan.Mix), rng: rng, sampler: rand.New(rand.NewSource(plan.Seed + 1)),
		versions: map[string]string{}, patching: map[string]bool{}, byID: map[string]Tenant{},
		poller: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
	}
	for _, tenant := range plan.Tenants {
		scenario.versions[tenant.ID] = fmt.Sprintf("%q", fmt.Sprint(tenant.Version))
		scenario.byID[tenant.ID] = tenant
	}
	return scenario, nil
}

func (c *commandScenario) Targeter() vegeta.Targeter {
	return func(target *vegeta.Target) error {
		c.mu.Lock()
		operation := c.choice.pick(c.rng)
		start := c.rng.Intn(len(c.plan.Tenants))
		tenant := c.plan.Tenants[start]
		if operation == patchTenant {
			tenant, operation = c.freeForPatch(start)
		}
		c.counter++
		n := c.counter
		etag := c.versions[tenant.ID]
		c.mu.Unlock()

		header := http.Header{}
		header.Set("Authorization", "Bearer "+tenant.Key)
		header.Set("Content-Type", "application/json")
		base := fmt.Sprintf("%s/v1/tenants/%s", c.plan.BaseURL, tenant.ID)
		switch operation {
		case createUser:
			header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", c.plan.RunID, n))
			body := fmt.Sprintf(`{"email":"u%d-%s@bench.example","name":"Bench user %d","role":"member"}`, n, c.plan.RunID, n)
			target.Method, target.URL, target.Body = http.MethodPost, base+"/users", []byte(body)
		case patchTenant:
			header.Set("If-Match", etag)
			body := fmt.Sprintf(`{"name":"Bench tenant %s %d"}`, c.plan.RunID, n)
			target.Method, target.URL, target.Body = http.MethodPatch, base, []byte(body)
		case issueKey:
			header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", c.plan.RunID, n))
			target.Method, target.URL, target.Body = http.MethodPost, base+"/api-keys", []byte(`{}`)
		}
		target.Header = header
		return nil
	}
}

// freeForPatch is the first tenant from `start` on with no PATCH in flight (marked busy),
// or a user creation when every tenant is being patched.
func (c *commandScenario) freeForPatch(start int) (Tenant, string) {
	for i := range c.plan.Tenants {
		tenant := c.plan.Tenants[(start+i)%len(c.plan.Tenants)]
		if !c.patching[tenant.ID] {
			c.patching[tenant.ID] = true
			return tenant, patchTenant
		}
	}
	return c.plan.Tenants[start], createUser
}

func operationOf(res *vegeta.Result) (string, string) {
	rest := strings.TrimPrefix(res.URL[strings.Index(res.URL, "/v1/tenants/"):], "/v1/tenants/")
	tenantID, suffix, _ := strings.Cut(rest, "/")
	switch {
	case res.Method == http.MethodPatch:
		return patchTenant, tenantID
	case suffix == "users":
		return createUser, tenantID
	default:
		return issueKey, tenantID
	}
}

func (c *commandScenario) Observe(res *vegeta.Result, step *StepResult) {
	if !strings.Contains(res.URL, "/v1/tenants/") {
		return
	}
	operation, tenantID := operationOf(res)
	step.recordOperation(operation, res)
	switch operation {
	case patchTenant:
		c.mu.Lock()
		delete(c.patching, tenantID)
		// 200 carries the new version, 412 the current one; either way the next PATCH is right.
		if etag := res.Headers.Get("ETag"); etag != "" {
			c.versions[tenantID] = etag
		}
		c.mu.Unlock()
	case createUser:
		if res.Code == http.StatusCreated && c.sampler.Float64() < c.plan.VisibilitySample {
			c.watch(res, c.byID[tenantID])
		}
	}
}

// maxVisibilityPoll bounds the poll interval: the measured time is late by less than it.
const maxVisibilityPoll = 50 * time.Millisecond

// watch polls the read model for the created user from the command's acknowledgement on,
// every 5 ms at first, then backing off by a quarter per poll up to maxVisibilityPoll.
func (c *commandScenario) watch(res *vegeta.Result, tenant Tenant) {
	var created struct {
		UserID string `json:"user_id"`
	}
	if json.Unmarshal(res.Body, &created) != nil || created.UserID == "" {
		return
	}
	acknowledged := res.End()
	url := fmt.Sprintf("%s/v1/tenants/%s/users/%s", c.plan.BaseURL, tenant.ID, created.UserID)
	poll := time.Duration(c.plan.VisibilityPoll * float64(time.Second))
	c.waiting.Add(1)
	go func() {
		defer c.waiting.Done()
		deadline := acknowledged.Add(10 * time.Second)
		for time.Now().Before(deadline) {
			request, _ := http.NewRequest(http.MethodGet, url, nil)
			request.Header.Set("Authorization", "Bearer "+tenant.Key)
			response, err := c.poller.Do(request)
			if err == nil {
				response.Body.Close()
				if response.StatusCode == http.StatusOK {
					c.seenMu.Lock()
					c.seen = append(c.seen, float64(time.Since(acknowledged))/float64(time.Millisecond))
					c.seenMu.Unlock()
					return
				}
			}
			time.Sleep(poll)
			// Back off to a bounded resolution: polling every few milliseconds for as long as
			// the stack lags would itself load the stack it measures, and lag it more.
			poll = min(poll*5/4, maxVisibilityPoll)
		}
		c.seenMu.Lock()
		c.missed++
		c.seenMu.Unlock()
	}()
}

func (c *commandScenario) Settle(step *StepResult) {
	c.waiting.Wait()
	c.seenMu.Lock()
	defer c.seenMu.Unlock()
	summary := summarise(c.seen)
	step.Visibility, step.VisibilityTimeouts = &summary, c.missed
	c.seen, c.missed = nil, 0
}

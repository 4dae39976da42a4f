package main

import (
	"errors"
	"fmt"
)

// Plan is written by the Python harness (tessera_bench.loadgen) for one scenario.
type Plan struct {
	Scenario string  `json:"scenario"` // "get", "commands" or "ingest"
	BaseURL  string  `json:"base_url"`
	Seed     int64   `json:"seed"`
	Timeout  float64 `json:"timeout_seconds"`
	Steps    []Step  `json:"steps"`
	// get: the path, with {tenant_id} replaced by a tenant picked Zipf(ZipfS) by rank.
	Path    string   `json:"path"`
	Auth    string   `json:"auth"` // "tenant" (the picked tenant's key), "operator" or "none"
	ZipfS   float64  `json:"zipf_s"`
	Queries []string `json:"queries"` // get: query strings picked uniformly ("" for none)
	// The operator key, for auth "operator".
	OperatorKey string   `json:"operator_key"`
	Tenants     []Tenant `json:"tenants"`
	// commands: relative weights of create_user, patch_tenant and issue_key, and the share
	// of created users whose visibility in the read model is measured.
	Mix              map[string]float64 `json:"mix"`
	VisibilitySample float64            `json:"visibility_sample"`
	VisibilityPoll   float64            `json:"visibility_poll_seconds"`
	RunID            string             `json:"run_id"`
	// ingest: records per batch.
	BatchSize int `json:"batch_size"`
}

type Tenant struct {
	ID      string `json:"tenant_id"`
	Key     string `json:"api_key"`
	Version int    `json:"version"` // commands: the version a first PATCH names in If-Match
}

// Step is one measured interval: open loop at Rate requests/s, or (Rate 0) closed loop
// with Workers workers sending back to back.
type Step struct {
	Name         string  `json:"name"`
	Rate         float64 `json:"rate"`
	Workers      uint64  `json:"workers"`
	Duration     float64 `json:"duration_seconds"`
	PauseSeconds float64 `json:"pause_seconds"`
}

func (p *Plan) validate() error {
	if p.BaseURL == "" {
		return errors.New("plan: base_url is required")
	}
	if len(p.Steps) == 0 {
		return errors.New("plan: no steps")
	}
	for _, step := range p.Steps {
		if step.Duration <= 0 {
			return fmt.Errorf("plan: step %q needs a duration", step.Name)
		}
		if step.Rate <= 0 && step.Workers == 0 {
			return fmt.Errorf("plan: step %q needs a rate or workers", step.Name)
		}
	}
	needsTenants := p.Scenario != "get" || p.Auth == "tenant"
	if needsTenants && len(p.Tenants) == 0 {
		return fmt.Errorf("plan: scenario %q needs tenants", p.Scenario)
	}
	if p.Timeout <= 0 {
		p.Timeout = 10
	}
	if p.ZipfS == 0 {
		p.ZipfS = 1.1
	}
	if p.VisibilityPoll <= 0 {
		p.VisibilityPoll = 0.005
	}
	return nil
}

// Package crm is customer grading (客户分级), service plans, follow-up tasks,
// the contact log and the teacher's workspace (DOMAIN §3.9, §4b). It builds
// on the core package models and registers a hook there so that a member's
// grade moves in the transaction of the event that changed its facts; the
// core never imports it.
package crm

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"starcard/models"
)

// Condition types: what a grading condition reads.
const (
	FactPosition   = "position_level" // a guardian's position level is in Values
	FactEmployer   = "employer_type"  // a guardian's employer type is in Values
	FactPaid       = "paid"           // net paid (fen) in the last Window months
	FactTenure     = "tenure"         // months since enrolment (date arithmetic)
	FactReferrals  = "referrals"      // families referred who registered
	FactCheckins   = "checkins"       // days present in the last Window days
	FactComplaints = "complaints"     // complaints filed in the last Window months
	FactSurvey     = "survey_score"   // average survey score ×10 (needs a provider)
	FactRenewals   = "renewals"       // class-hour package renewals (needs a provider)
)

// FactTypes lists every condition type in the order the admin form shows them.
var FactTypes = []string{FactPosition, FactEmployer, FactPaid, FactTenure, FactReferrals, FactCheckins,
	FactComplaints, FactSurvey, FactRenewals}

// Comparison operators of a condition.
const (
	OpIn      = "in"      // the coded fact is one of Values
	OpGT      = "gt"      // fact > A
	OpGE      = "ge"      // fact ≥ A
	OpLE      = "le"      // fact ≤ A
	OpBetween = "between" // A ≤ fact ≤ B
)

// Ops lists the numeric operators.
var Ops = []string{OpGT, OpGE, OpLE, OpBetween}

// Condition is one typed test of a grade, with its admin-editable
// thresholds. Money is in fen, tenure in months, survey scores ×10.
type Condition struct {
	ID     string   `json:"id"`
	Type   string   `json:"type"`
	Op     string   `json:"op"`
	Values []string `json:"values,omitempty"`
	A      int64    `json:"a,omitempty"`
	B      int64    `json:"b,omitempty"`
	Window int      `json:"window,omitempty"` // months (paid, complaints, renewals) or days (checkins)
}

// Coded reports whether the condition tests a code rather than a number.
func (c Condition) Coded() bool { return c.Type == FactPosition || c.Type == FactEmployer }

// FactKey names the numeric fact a condition reads ("paid:12").
func (c Condition) FactKey() string {
	switch c.Type {
	case FactPaid, FactCheckins, FactComplaints, FactRenewals:
		return fmt.Sprintf("%s:%d", c.Type, c.Window)
	}
	return c.Type
}

// Grade is one level of a scheme: reached when at least K of its
// conditions hold. The last grade of a scheme is the default and has none.
type Grade struct {
	Code       string      `json:"code"`
	K          int         `json:"k"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// Scheme is a grading scheme: grades from the highest down.
type Scheme struct {
	Code   string  `json:"code"`
	Grades []Grade `json:"grades"`
}

// Default returns the scheme's default (lowest) grade.
func (s Scheme) Default() string {
	if len(s.Grades) == 0 {
		return ""
	}
	return s.Grades[len(s.Grades)-1].Code
}

// Has reports whether code is one of the scheme's grades.
func (s Scheme) Has(code string) bool {
	for _, g := range s.Grades {
		if g.Code == code {
			return true
		}
	}
	return false
}

// Rank is the grade's position from the top (0 = highest); -1 if unknown.
func (s Scheme) Rank(code string) int {
	for i, g := range s.Grades {
		if g.Code == code {
			return i
		}
	}
	return -1
}

// Uses reports whether any condition reads a fact of one of the types.
func (s Scheme) Uses(types ...string) bool {
	for _, g := range s.Grades {
		for _, c := range g.Conditions {
			for _, t := range types {
				if c.Type == t {
					return true
				}
			}
		}
	}
	return false
}

// Conditions lists every condition of the scheme, highest grade first.
func (s Scheme) Conditions() []Condition {
	var out []Condition
	for _, g := range s.Grades {
		out = append(out, g.Conditions...)
	}
	return out
}

// Facts are what grading knows about a member on a day.
type Facts struct {
	Today          time.Time // the school day (a date)
	EnrolledOn     time.Time // a date; zero = unknown
	PositionLevels []string  // of the family's guardians
	EmployerTypes  []string
	Numbers        map[string]int64 // by Condition.FactKey
}

// Result is a member's evaluated grade and the ids of the conditions of that
// grade that held (empty for the default grade).
type Result struct {
	Grade   string
	Reasons []string
}

// Holds evaluates one condition on the facts.
func (c Condition) Holds(f Facts) bool {
	switch c.Type {
	case FactPosition:
		return anyIn(f.PositionLevels, c.Values)
	case FactEmployer:
		return anyIn(f.EmployerTypes, c.Values)
	case FactTenure:
		if f.EnrolledOn.IsZero() {
			return false
		}
		// "More than 5 months" is a date comparison, so exactly five months
		// after enrolment is not yet more than five.
		at := func(n int64) time.Time { return f.EnrolledOn.AddDate(0, int(n), 0) }
		switch c.Op {
		case OpGT:
			return f.Today.After(at(c.A))
		case OpGE:
			return !f.Today.Before(at(c.A))
		case OpLE:
			return !f.Today.After(at(c.A))
		case OpBetween:
			return !f.Today.Before(at(c.A)) && !f.Today.After(at(c.B))
		}
		return false
	}
	v := f.Numbers[c.FactKey()]
	switch c.Op {
	case OpGT:
		return v > c.A
	case OpGE:
		return v >= c.A
	case OpLE:
		return v <= c.A
	case OpBetween:
		return v >= c.A && v <= c.B
	}
	return false
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// Evaluate grades a member: the highest grade at least K of whose
// conditions hold, else the scheme's default. It is pure: the same scheme
// and facts always give the same result.
func Evaluate(s Scheme, f Facts) Result {
	for i, g := range s.Grades {
		if i == len(s.Grades)-1 {
			break
		}
		var held []string
		for _, c := range g.Conditions {
			if c.Holds(f) {
				held = append(held, c.ID)
			}
		}
		if g.K > 0 && len(held) >= g.K {
			return Result{Grade: g.Code, Reasons: held}
		}
	}
	return Result{Grade: s.Default(), Reasons: []string{}}
}

// GradeCodes are the grade codes the product knows how to name.
var GradeCodes = []string{"key", "watch", "general", "A", "B", "C", "D"}

// Validate checks a scheme an admin edited; available says which fact
// types can be read on this installation. It returns field → message key.
func (s Scheme) Validate(available map[string]bool) map[string]string {
	f := map[string]string{}
	if len(s.Grades) < 2 {
		f["grades"] = "crm.err.scheme_grades"
		return f
	}
	ids := map[string]bool{}
	for gi, g := range s.Grades {
		key := fmt.Sprintf("grades[%d].", gi)
		if !contains(GradeCodes, g.Code) {
			f[key+"code"] = "crm.err.grade_code"
		}
		last := gi == len(s.Grades)-1
		if last {
			if len(g.Conditions) > 0 {
				f[key+"conditions"] = "crm.err.default_conditions"
			}
			continue
		}
		if g.K < 1 || g.K > len(g.Conditions) {
			f[key+"k"] = "crm.err.k_range"
		}
		for ci, c := range g.Conditions {
			ck := fmt.Sprintf("%sconditions[%d].", key, ci)
			if c.ID == "" || ids[c.ID] {
				f[ck+"id"] = "crm.err.condition_id"
			}
			ids[c.ID] = true
			if !available[c.Type] {
				f[ck+"type"] = "crm.err.condition_type"
				continue
			}
			if c.Coded() {
				if c.Op != OpIn || len(c.Values) == 0 {
					f[ck+"values"] = "crm.err.condition_values"
				}
				set := models.PositionLevels
				if c.Type == FactEmployer {
					set = models.EmployerTypes
				}
				for _, v := range c.Values {
					if !contains(set, v) {
						f[ck+"values"] = "crm.err.condition_values"
					}
				}
				continue
			}
			if !contains(Ops, c.Op) {
				f[ck+"op"] = "crm.err.condition_op"
			}
			if c.A < 0 || (c.Op == OpBetween && c.B < c.A) {
				f[ck+"a"] = "crm.err.condition_range"
			}
			switch c.Type {
			case FactPaid, FactComplaints, FactRenewals:
				if c.Window < 1 || c.Window > 120 {
					f[ck+"window"] = "crm.err.condition_window"
				}
			case FactCheckins:
				if c.Window < 1 || c.Window > 730 {
					f[ck+"window"] = "crm.err.condition_window"
				}
			}
		}
	}
	return f
}

func contains(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// JoinReasons stores reasons as members.grade_reasons.
func JoinReasons(r []string) string {
	c := append([]string(nil), r...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

// Seed003 is seed 003's scheme (客户服务管理细则): 重点 (key) when at least
// two of {a guardian is a middle or senior manager/cadre; paid more than
// ¥8,000 in 12 months; enrolled more than 5 months}; 关注 (watch) when at
// least two of {a guardian works for a public institution, an SOE or the
// government; paid ¥4,000–8,000; enrolled 3–5 months}; otherwise 一般.
func Seed003() Scheme {
	return Scheme{Code: "seed003", Grades: []Grade{
		{Code: "key", K: 2, Conditions: []Condition{
			{ID: "key.position", Type: FactPosition, Op: OpIn, Values: []string{"senior", "middle"}},
			{ID: "key.paid", Type: FactPaid, Op: OpGT, A: 800000, Window: 12},
			{ID: "key.tenure", Type: FactTenure, Op: OpGT, A: 5},
		}},
		{Code: "watch", K: 2, Conditions: []Condition{
			{ID: "watch.employer", Type: FactEmployer, Op: OpIn, Values: []string{"public_institution", "soe", "government"}},
			{ID: "watch.paid", Type: FactPaid, Op: OpBetween, A: 400000, B: 800000, Window: 12},
			{ID: "watch.tenure", Type: FactTenure, Op: OpBetween, A: 3, B: 5},
		}},
		{Code: "general"},
	}}
}

// Seed000 is seed 000's A/B/C/D scheme (幼儿园客户分级管理制度): spend,
// engagement (days present), referrals and tenure. The seed leaves the
// figures blank ([X]); these are starting values for the admin to tune.
func Seed000() Scheme {
	return Scheme{Code: "seed000", Grades: []Grade{
		{Code: "A", K: 3, Conditions: []Condition{
			{ID: "A.paid", Type: FactPaid, Op: OpGE, A: 2000000, Window: 12},
			{ID: "A.engagement", Type: FactCheckins, Op: OpGE, A: 50, Window: 90},
			{ID: "A.referrals", Type: FactReferrals, Op: OpGE, A: 2},
			{ID: "A.tenure", Type: FactTenure, Op: OpGE, A: 24},
		}},
		{Code: "B", K: 2, Conditions: []Condition{
			{ID: "B.paid", Type: FactPaid, Op: OpGE, A: 1000000, Window: 12},
			{ID: "B.engagement", Type: FactCheckins, Op: OpGE, A: 30, Window: 90},
			{ID: "B.referrals", Type: FactReferrals, Op: OpGE, A: 1},
			{ID: "B.tenure", Type: FactTenure, Op: OpGE, A: 12},
		}},
		{Code: "C", K: 2, Conditions: []Condition{
			{ID: "C.paid", Type: FactPaid, Op: OpGE, A: 300000, Window: 12},
			{ID: "C.engagement", Type: FactCheckins, Op: OpGE, A: 10, Window: 90},
			{ID: "C.tenure", Type: FactTenure, Op: OpGE, A: 6},
			{ID: "C.no_complaints", Type: FactComplaints, Op: OpLE, A: 0, Window: 12},
		}},
		{Code: "D"},
	}}
}

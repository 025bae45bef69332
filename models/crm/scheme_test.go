package crm

import (
	"reflect"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Seed 003: 重点 when ≥2 of {middle/senior position; paid > ¥8,000; enrolled
// > 5 months}; 关注 when ≥2 of {public employer; ¥4,000–8,000; 3–5 months}.
func TestEvaluateSeed003(t *testing.T) {
	today := date("2026-11-27")
	paid := func(fen int64) map[string]int64 { return map[string]int64{"paid:12": fen} }
	cases := []struct {
		name     string
		f        Facts
		grade    string
		reasons  []string
		position []string
	}{
		{"middle manager who paid ¥8,000.01", Facts{PositionLevels: []string{"middle"}, Numbers: paid(800001),
			EnrolledOn: date("2026-11-01")}, "key", []string{"key.position", "key.paid"}, nil},
		{"middle manager who paid exactly ¥8,000 is not over ¥8,000", Facts{PositionLevels: []string{"middle"},
			Numbers: paid(800000), EnrolledOn: date("2026-11-01")}, "general", []string{}, nil},
		{"exactly ¥8,000 and 3 months in a public institution is 关注", Facts{EmployerTypes: []string{"public_institution"},
			Numbers: paid(800000), EnrolledOn: date("2026-08-27")}, "watch", []string{"watch.employer", "watch.paid", "watch.tenure"}, nil},
		{"senior cadre enrolled exactly 5 months ago is not yet over 5 months", Facts{PositionLevels: []string{"senior"},
			Numbers: paid(0), EnrolledOn: date("2026-06-27")}, "general", []string{}, nil},
		{"senior cadre enrolled 5 months and a day ago", Facts{PositionLevels: []string{"senior"}, Numbers: paid(0),
			EnrolledOn: date("2026-06-26")}, "key", []string{"key.position", "key.tenure"}, nil},
		{"exactly 5 months counts as 3–5 months for 关注", Facts{EmployerTypes: []string{"soe"}, Numbers: paid(0),
			EnrolledOn: date("2026-06-27")}, "watch", []string{"watch.employer", "watch.tenure"}, nil},
		{"paid ¥9,000 and enrolled 6 months, no manager", Facts{PositionLevels: []string{"staff"}, Numbers: paid(900000),
			EnrolledOn: date("2026-05-01")}, "key", []string{"key.paid", "key.tenure"}, nil},
		{"one 重点 condition and one 关注 condition is 一般", Facts{PositionLevels: []string{"middle"},
			EmployerTypes: []string{"government"}, Numbers: paid(100000), EnrolledOn: date("2026-11-01")}, "general", []string{}, nil},
		{"exactly ¥4,000 is inside ¥4,000–8,000", Facts{EmployerTypes: []string{"government"}, Numbers: paid(400000),
			EnrolledOn: date("2026-11-01")}, "watch", []string{"watch.employer", "watch.paid"}, nil},
		{"¥3,999.99 is below the band", Facts{EmployerTypes: []string{"government"}, Numbers: paid(399999),
			EnrolledOn: date("2026-11-01")}, "general", []string{}, nil},
		{"nothing known", Facts{Numbers: paid(0)}, "general", []string{}, nil},
	}
	s := Seed003()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Today = today
			got := Evaluate(s, c.f)
			if got.Grade != c.grade || !reflect.DeepEqual(got.Reasons, c.reasons) {
				t.Errorf("Evaluate = %s %v, want %s %v", got.Grade, got.Reasons, c.grade, c.reasons)
			}
		})
	}
}

// Seed 000: A needs 3 of {¥20,000; 50 days in 90; 2 referrals; 24 months},
// B and C 2 of theirs; D is the default.
func TestEvaluateSeed000(t *testing.T) {
	today := date("2026-11-27")
	n := func(paid, days, refs, complaints int64) map[string]int64 {
		return map[string]int64{"paid:12": paid, "checkins:90": days, "referrals": refs, "complaints:12": complaints}
	}
	cases := []struct {
		name    string
		f       Facts
		grade   string
		reasons []string
	}{
		{"big spender, engaged, two referrals", Facts{Numbers: n(2000000, 50, 2, 0), EnrolledOn: date("2026-01-01")},
			"A", []string{"A.paid", "A.engagement", "A.referrals"}},
		{"exactly 24 months is at least 24", Facts{Numbers: n(2000000, 0, 2, 0), EnrolledOn: date("2024-11-27")},
			"A", []string{"A.paid", "A.referrals", "A.tenure"}},
		{"two of A's four is B when B's hold", Facts{Numbers: n(2000000, 50, 0, 0), EnrolledOn: date("2026-10-01")},
			"B", []string{"B.paid", "B.engagement"}},
		{"¥9,999.99 and one referral is C at most", Facts{Numbers: n(999999, 0, 1, 0), EnrolledOn: date("2026-10-01")},
			"C", []string{"C.paid", "C.no_complaints"}},
		{"a complaint and little else is D", Facts{Numbers: n(100000, 3, 0, 1), EnrolledOn: date("2026-10-01")},
			"D", []string{}},
		{"no complaints and 10 days present is C", Facts{Numbers: n(0, 10, 0, 0), EnrolledOn: date("2026-10-01")},
			"C", []string{"C.engagement", "C.no_complaints"}},
	}
	s := Seed000()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.f.Today = today
			got := Evaluate(s, c.f)
			if got.Grade != c.grade || !reflect.DeepEqual(got.Reasons, c.reasons) {
				t.Errorf("Evaluate = %s %v, want %s %v", got.Grade, got.Reasons, c.grade, c.reasons)
			}
		})
	}
}

func TestSchemeValidate(t *testing.T) {
	avail := AvailableFacts()
	for _, s := range []Scheme{Seed003(), Seed000()} {
		if f := s.Validate(avail); len(f) > 0 {
			t.Errorf("%s: %v", s.Code, f)
		}
	}
	bad := Seed003()
	bad.Grades[0].K = 5
	bad.Grades[1].Conditions[1].B = 1 // between 400000 and 1
	bad.Grades[1].Conditions[0].Values = []string{"martian"}
	bad.Grades[2].Conditions = []Condition{{ID: "x", Type: FactPaid, Op: OpGT}}
	bad.Grades[0].Conditions = append(bad.Grades[0].Conditions, Condition{ID: "k.s", Type: FactSurvey, Op: OpGE, A: 40})
	f := bad.Validate(avail)
	for _, k := range []string{"grades[0].k", "grades[1].conditions[1].a", "grades[1].conditions[0].values",
		"grades[2].conditions", "grades[0].conditions[3].type"} {
		if f[k] == "" {
			t.Errorf("no error for %s in %v", k, f)
		}
	}
}

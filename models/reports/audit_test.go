package reports_test

import (
	"reflect"
	"testing"

	"starcard/models/reports"
)

func TestParseDetail(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []reports.DetailPart
	}{
		{"", nil},
		{"amount=15000 reason=家长 退课", []reports.DetailPart{{Key: "amount", Value: "15000", Fen: 15000, Money: true}, {Key: "reason", Value: "家长 退课"}}},
		{"points=30", []reports.DetailPart{{Key: "points", Value: "30"}}},
		{"amount=abc", []reports.DetailPart{{Key: "amount", Value: "abc"}}},
		{`{"a":1}`, []reports.DetailPart{{Value: `{"a":1}`}}},
		{"free text", []reports.DetailPart{{Value: "free text"}}},
	} {
		if got := reports.ParseDetail(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseDetail(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

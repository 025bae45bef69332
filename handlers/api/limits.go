package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"starcard/models"
)

// size is how long a text (in characters, and in bytes so that it fits its
// column) or a list may be.
type size struct{ runes, bytes int }

// Every text and list field of every write has a limit: over it the request
// is refused with 422 naming the field, never cut short in silence and never
// left to fail in the database. Fields not named here get the defaults,
// which fit a VARCHAR(100) column.
var (
	defaultText = size{100, 255}
	defaultList = 50
	textLimits  = map[string]size{
		"name": {50, 150}, "reason": {80, 255}, "description": {100, 255}, "notes": {2000, 6000},
		"phone": {20, 20}, "relation": {20, 20}, "tags": {32, 96}, "coupon_codes": {16, 16}, "code": {16, 16},
		"password": {128, 512}, "client_secret": {128, 512}, "body": {2000, 6000}, "content": {2000, 6000},
		"qr": {200, 200}, "card_no": {32, 32}, "username": {64, 64},
	}
	listLimits = map[string]int{"items": 50, "payments": 10, "coupon_codes": 10, "guardians": 6, "tags": 20}
)

// maxReason is the limit of a refund's reason.
var maxReason = textLimits["reason"]

var (
	errTooLong = "sec.too_long"
	errTooMany = "sec.too_many"
)

func tooLong(s string, lim size) bool {
	return utf8.RuneCountInString(s) > lim.runes || len(s) > lim.bytes
}

// checkLimits checks one text field against its limit.
func checkLimits(s, field string, lim size) error {
	if tooLong(s, lim) {
		return models.Invalid(map[string]string{field: errTooLong})
	}
	return nil
}

// checkSizes walks a decoded request and refuses any text or list over its
// limit, naming every such field ("items[2].description").
func checkSizes(v any) error {
	f := map[string]string{}
	walkSizes(reflect.ValueOf(v), "", "", f)
	if len(f) > 0 {
		return models.Invalid(f)
	}
	return nil
}

func walkSizes(v reflect.Value, path, name string, f map[string]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkSizes(v.Elem(), path, name, f)
		}
	case reflect.String:
		lim, ok := textLimits[name]
		if !ok {
			lim = defaultText
		}
		if tooLong(v.String(), lim) {
			f[path] = errTooLong
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		max, ok := listLimits[name]
		if !ok {
			max = defaultList
		}
		if v.Len() > max {
			f[path] = errTooMany
			return
		}
		for i := 0; i < v.Len(); i++ {
			walkSizes(v.Index(i), path+"["+strconv.Itoa(i)+"]", name, f)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			jn, ok := jsonName(sf)
			if !ok {
				continue
			}
			if sf.Anonymous && jn == "" {
				walkSizes(v.Field(i), path, name, f)
				continue
			}
			p := jn
			if path != "" {
				p = path + "." + jn
			}
			walkSizes(v.Field(i), p, jn, f)
		}
	}
}

// jsonName is a struct field's JSON name ("" for an embedded struct whose
// fields are promoted); ok is false for fields JSON never reads.
func jsonName(sf reflect.StructField) (string, bool) {
	if !sf.IsExported() && !sf.Anonymous {
		return "", false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	n, _, _ := strings.Cut(tag, ",")
	if n == "" && sf.Anonymous && indirect(sf.Type).Kind() == reflect.Struct {
		return "", true
	}
	if n == "" {
		n = sf.Name
	}
	return n, true
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// exactFields refuses a JSON key that only matches a field when case is
// ignored ("AMOUNT" for "amount"): encoding/json is lenient there, the
// contract is not (DOMAIN.md §4: unknown fields are 400).
func exactFields(raw json.RawMessage, t reflect.Type) (string, bool) {
	t = indirect(t)
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", true
	}
	switch {
	case t.Kind() == reflect.Struct && raw[0] == '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return "", true
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for k, sub := range m {
			ft, ok := fields[k]
			if !ok {
				return k, false
			}
			if bad, ok := exactFields(sub, ft); !ok {
				return k + "." + bad, false
			}
		}
	case t.Kind() == reflect.Slice && raw[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", true
		}
		for i, it := range items {
			if bad, ok := exactFields(it, t.Elem()); !ok {
				return "[" + strconv.Itoa(i) + "]." + bad, false
			}
		}
	}
	return "", true
}

func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		n, ok := jsonName(sf)
		if !ok {
			continue
		}
		if n == "" {
			collectFields(indirect(sf.Type), out)
			continue
		}
		out[n] = sf.Type
	}
}

package handlers

import "encoding/json"

// jsonField reads one string field of a JSON object, "" when absent.
func jsonField(body []byte, name string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[name], &s)
	return s
}

package models

import (
	"errors"
	"fmt"
)

// Kind classifies an expected outcome so that one place in handlers can map
// it to a status code, a page or a problem document.
type Kind int

// The kinds of expected failure.
const (
	KindInvalid      Kind = iota + 1 // the input breaks a rule: 422
	KindNotFound                     // no such thing (or not yours): 404
	KindConflict                     // the state forbids it now: 409
	KindForbidden                    // the actor may not: 403
	KindUnauthorized                 // who are you: 401
	KindRateLimited                  // too many tries: 429
	KindBadRequest                   // the request itself is malformed: 400
)

// Error is an expected, translatable failure. Code is the stable problem type
// (e.g. "insufficient-balance"); Key is the message id in views/i18n; Args
// fill the message; Fields carries per-field message keys for forms.
type Error struct {
	Kind   Kind
	Code   string
	Key    string
	Args   []any
	Fields map[string]string
}

func (e *Error) Error() string {
	if len(e.Args) > 0 {
		return fmt.Sprintf("%s %v", e.Code, e.Args)
	}
	return e.Code
}

// Is matches errors of the same Code, so a sentinel still matches after With.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// With returns a copy of e carrying message arguments.
func (e *Error) With(args ...any) *Error {
	c := *e
	c.Args = args
	return &c
}

// Field returns a copy of e that also names a field and its message key.
func (e *Error) Field(name, key string) *Error {
	c := *e
	c.Fields = map[string]string{}
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[name] = key
	return &c
}

// NewError declares a sentinel error.
func NewError(kind Kind, code, key string) *Error {
	return &Error{Kind: kind, Code: code, Key: key}
}

// Invalid builds a validation error with field messages (field → message key).
func Invalid(fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Code: "validation", Key: "err.validation", Fields: fields}
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Sentinel errors shared across the domain. Aggregates declare their own next
// to their code.
var (
	ErrNotFound          = NewError(KindNotFound, "not-found", "err.not_found")
	ErrBadCredentials    = NewError(KindUnauthorized, "bad-credentials", "err.bad_credentials")
	ErrAccountDisabled   = NewError(KindUnauthorized, "account-disabled", "err.account_disabled")
	ErrUnauthenticated   = NewError(KindUnauthorized, "unauthenticated", "err.unauthenticated")
	ErrForbidden         = NewError(KindForbidden, "forbidden", "err.forbidden")
	ErrDuplicateUsername = NewError(KindConflict, "duplicate-username", "err.duplicate_username")
	ErrIdempotencyReuse  = NewError(KindInvalid, "idempotency-key-reused", "err.idempotency_key_reused")
	ErrIdempotencyKey    = NewError(KindInvalid, "bad-idempotency-key", "err.bad_idempotency_key")
	// ErrBadCursor refuses a pagination cursor the server did not hand out
	// (shared by every paginated list).
	ErrBadCursor = NewError(KindInvalid, "bad-cursor", "err.bad_cursor")
)

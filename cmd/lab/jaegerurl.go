package main

import (
	"errors"
	"net/url"
	"strings"
	"unicode"

	"github.com/spf13/pflag"
)

// jaegerURLFlag is --jaeger-url: the reports print links under it for
// pasting, so it must be a URL of a web UI, and one a terminal shows as
// written (a control character in it would be obeyed).
type jaegerURLFlag struct{ p *string }

func (j jaegerURLFlag) Set(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsFunc(s, unicode.IsControl) || strings.ContainsAny(s, " ?#") {
		return errors.New("want the http:// or https:// address of a Jaeger UI, like http://127.0.0.1:16686")
	}
	*j.p = s
	return nil
}

func (j jaegerURLFlag) String() string { return *j.p }
func (jaegerURLFlag) Type() string     { return "url" }

// registerJaegerURL adds --jaeger-url, defaulting to a Jaeger on this
// machine.
func registerJaegerURL(fl *pflag.FlagSet, p *string, usage string) {
	*p = "http://127.0.0.1:16686"
	fl.Var(jaegerURLFlag{p}, "jaeger-url", usage)
}

package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"lab/faults"
)

// otlpExporter builds the OTLP exporter the standard variables describe,
// once checkOTLPEnv has found them usable.
func otlpExporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	if err := checkOTLPEnv(); err != nil {
		return nil, err
	}
	name, proto := otlpVar("PROTOCOL")
	// Without an endpoint, a collector on this machine, in plain text (the
	// SDK's own default is TLS, which no local Jaeger speaks).
	// A certificate asks for TLS: then the SDK's own default, https.
	_, endpoint := otlpVar("ENDPOINT")
	local := endpoint == "" && os.Getenv("OTEL_EXPORTER_OTLP_INSECURE") == "" &&
		os.Getenv("OTEL_EXPORTER_OTLP_TRACES_INSECURE") == "" && tlsVar() == ""
	switch strings.TrimSpace(proto) {
	case "", "http/protobuf":
		var opts []otlptracehttp.Option
		if local {
			opts = append(opts, otlptracehttp.WithEndpoint("127.0.0.1:4318"), otlptracehttp.WithInsecure())
		}
		return otlptracehttp.New(ctx, opts...)
	case "grpc":
		var opts []otlptracegrpc.Option
		if local {
			opts = append(opts, otlptracegrpc.WithEndpoint("127.0.0.1:4317"), otlptracegrpc.WithInsecure())
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	return nil, fmt.Errorf("%s %q: want grpc or http/protobuf", name, proto)
}

// otlpVar is OTEL_EXPORTER_OTLP_TRACES_<key> if set, else
// OTEL_EXPORTER_OTLP_<key>, and which of the two it is. Like the SDK, it
// takes a value of spaces alone for unset, and trims the others.
func otlpVar(key string) (name, value string) {
	for _, name = range []string{"OTEL_EXPORTER_OTLP_TRACES_" + key, "OTEL_EXPORTER_OTLP_" + key} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return name, v
		}
	}
	return name, ""
}

// tlsVar names a variable that configures TLS, if one is set.
func tlsVar() string {
	for _, key := range []string{"CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY"} {
		if name, v := otlpVar(key); v != "" {
			return name
		}
	}
	return ""
}

// checkOTLPEnv refuses OTEL_EXPORTER_OTLP_* variables the SDK would not
// use: it logged a line of its own for each (three for a bad header) and
// went on without them, sending to https://localhost:4318 for a bad
// endpoint, without the header, or unverified.
func checkOTLPEnv() error {
	for _, key := range []string{"ENDPOINT", "HEADERS", "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY", "COMPRESSION", "TIMEOUT"} {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_" + key, "OTEL_EXPORTER_OTLP_TRACES_" + key} {
			v := strings.TrimSpace(os.Getenv(name))
			if v == "" {
				continue
			}
			if err := checkOTLPValue(key, v); err != nil {
				return fmt.Errorf("%s %q: %v", name, v, err)
			}
		}
	}
	// The SDK pairs a client certificate with the key of the same prefix.
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		certName, keyName := prefix+"CLIENT_CERTIFICATE", prefix+"CLIENT_KEY"
		cert, key := strings.TrimSpace(os.Getenv(certName)), strings.TrimSpace(os.Getenv(keyName))
		switch {
		case cert != "" && key == "":
			return fmt.Errorf("%s is set without %s", certName, keyName)
		case key != "" && cert == "":
			return fmt.Errorf("%s is set without %s", keyName, certName)
		case cert != "":
			if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
				return fmt.Errorf("%s and %s: %v", certName, keyName, err)
			}
		}
	}
	// TLS settings for a collector spoken to in plain text: the SDK refused
	// them without naming either variable.
	if name := tlsVar(); name != "" {
		if endName, end := otlpVar("ENDPOINT"); strings.HasPrefix(end, "http://") {
			return fmt.Errorf("%s is set, but %s %q is plain text: use https:// or unset %s", name, endName, end, name)
		}
		if insName, ins := otlpVar("INSECURE"); strings.EqualFold(ins, "true") {
			return fmt.Errorf("%s is set, but %s=true turns TLS off: unset one of them", name, insName)
		}
	}
	return nil
}

func checkOTLPValue(key, v string) error {
	switch key {
	case "ENDPOINT":
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want a URL like http://127.0.0.1:4318")
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("port %s: want 1 to 65535", p)
			}
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("a query or fragment would be dropped: give the collector's URL alone")
		}
	case "HEADERS":
		return checkHeaders(v)
	case "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY":
		// Read as lab reads every input file: a regular file, bounded.
		pem, err := faults.ReadInputUpTo(v, maxPEMBytes)
		if err != nil {
			return err
		}
		if key == "CERTIFICATE" && !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return fmt.Errorf("no PEM certificate in it")
		}
	case "COMPRESSION":
		if v != "gzip" && v != "none" {
			return fmt.Errorf("want gzip or none")
		}
	case "TIMEOUT":
		if ms, err := strconv.Atoi(v); err != nil || ms < 0 {
			return fmt.Errorf("want milliseconds, like 10000")
		}
	}
	return nil
}

// checkHeaders reads key=value pairs, comma separated, values
// percent-encoded, as the SDK does.
func checkHeaders(v string) error {
	for _, pair := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.IndexFunc(k, notTokenChar) >= 0 {
			return fmt.Errorf("want key=value pairs separated by commas, not %q", pair)
		}
		v, err := url.PathUnescape(val)
		if err != nil {
			return fmt.Errorf("the value of %s: %v", k, err)
		}
		// HTTP refuses them in a header, and every span was lost.
		if i := strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
			return fmt.Errorf("the value of %s holds the control character %q", k, v[i])
		}
	}
	return nil
}

// notTokenChar: an HTTP header name is a token (RFC 9110).
func notTokenChar(c rune) bool {
	return c > unicode.MaxASCII || !(unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("!#$%&'*+-.^_`|~", c))
}

// maxPEMBytes bounds a certificate or key file, far above any real one.
const maxPEMBytes = 1 << 20

// Package dashboards builds the lab's Grafana dashboards from Go (with
// grafana-foundation-sdk) and checks them: `go generate ./dashboards/`
// writes grafana/dashboards/*.json, which Grafana loads through the file
// provisioning in grafana/provisioning/. The tests prove the committed
// JSON is current, lint every panel, cross-check its metric names against
// the ones the lab exports, and run every panel query against a real
// Prometheus that scraped a real lab run.
package dashboards

//go:generate go run ./gen

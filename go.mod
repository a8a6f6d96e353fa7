module lab

go 1.26.8

require (
	github.com/cockroachdb/datadriven v1.0.3
	github.com/goccy/go-yaml v1.19.2
)

require github.com/pmezard/go-difflib v1.0.0 // indirect

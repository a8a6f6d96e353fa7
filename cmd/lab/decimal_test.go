package main

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// Numbers are read in decimal only: a zero-padded seed is that seed, and
// what pflag would read in another base is refused.
func TestFlagsAreDecimal(t *testing.T) {
	for _, tc := range []struct {
		arg     string
		seed    uint64
		invs    int
		panics  float64
		wantErr string
	}{
		{arg: "--seed=010", seed: 10, invs: 64},
		{arg: "--seed=08", seed: 8, invs: 64},
		{arg: "--seed=18446744073709551615", seed: math.MaxUint64, invs: 64},
		{arg: "--invocations=007", seed: 1, invs: 7},
		{arg: "--invocations=-3", seed: 1, invs: -3}, // refused later, with the flag's own bounds
		{arg: "--seed=0x10", wantErr: `invalid argument "0x10" for "--seed" flag: want a decimal number of 0 or more`},
		{arg: "--seed=-1", wantErr: `invalid argument "-1" for "--seed" flag: want a decimal number of 0 or more`},
		{arg: "--seed=18446744073709551616", wantErr: `invalid argument "18446744073709551616" for "--seed" flag: out of range`},
		{arg: "--invocations=0b11", wantErr: `invalid argument "0b11" for "--invocations" flag: want a decimal number`},
		{arg: "--invocations=1_000", wantErr: `invalid argument "1_000" for "--invocations" flag: want a decimal number`},
		{arg: "--invocations=" + strconv.Itoa(math.MaxInt) + "0", wantErr: "out of range"},
		// A sign + is refused by every number flag alike; -0 is 0.
		{arg: "--invocations=+4", wantErr: `invalid argument "+4" for "--invocations" flag: want a decimal number`},
		{arg: "--seed=+5", wantErr: `invalid argument "+5" for "--seed" flag: want a decimal number of 0 or more`},
		{arg: "--invocations=-0", seed: 1, invs: 0},
		// Floats: decimal, with a fraction and an exponent; no hex, no _,
		// no inf or nan.
		{arg: "--task-panics=0.25", seed: 1, invs: 64, panics: 0.25},
		{arg: "--task-panics=.5", seed: 1, invs: 64, panics: 0.5},
		{arg: "--task-panics=5.", seed: 1, invs: 64, panics: 5},
		{arg: "--task-panics=1e-3", seed: 1, invs: 64, panics: 0.001},
		{arg: "--task-panics=25E-2", seed: 1, invs: 64, panics: 0.25},
		{arg: "--task-panics=-1", seed: 1, invs: 64, panics: -1}, // refused later, with the flag's own bounds
		{arg: "--task-panics=0x1p-1", wantErr: `invalid argument "0x1p-1" for "--task-panics" flag: want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=0x.8p0", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=1_0e-1", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=+0.5", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=inf", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=NaN", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=.", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=1e", wantErr: `want a decimal number like 0.5 or 1e-3`},
		{arg: "--task-panics=1e999", wantErr: `for "--task-panics" flag: out of range`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			fl := pflag.NewFlagSet("test", pflag.ContinueOnError)
			var seed uint64
			var invs int
			var panics float64
			uintFlag(fl, &seed, "seed", 1, "")
			intFlag(fl, &invs, "invocations", 64, "")
			floatFlag(fl, &panics, "task-panics", 0, "")
			err := fl.Parse([]string{tc.arg})
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case seed != tc.seed || invs != tc.invs || panics != tc.panics:
				t.Errorf("seed %d, invocations %d, task panics %g; want %d, %d and %g", seed, invs, panics, tc.seed, tc.invs, tc.panics)
			}
		})
	}
}

// --pace reads its number as the float flags do: decimal only.
func TestPaceIsDecimal(t *testing.T) {
	for _, tc := range []struct {
		pace string
		want float64 // 0: refused
	}{
		{"1x", 1}, {"10x", 10}, {"0.5x", 0.5}, {".5x", 0.5}, {"1e2x", 100},
		{"0x1p10x", 0}, {"1_0x", 0}, {"+1x", 0}, {"infx", 0}, {"NaNx", 0}, {"10", 0}, {"x", 0},
	} {
		got, err := parsePace(tc.pace)
		switch {
		case tc.want == 0 && err == nil:
			t.Errorf("parsePace(%q) = %g, want it refused", tc.pace, got)
		case tc.want != 0 && (err != nil || got != tc.want):
			t.Errorf("parsePace(%q) = %g, %v; want %g", tc.pace, got, err, tc.want)
		}
	}
}

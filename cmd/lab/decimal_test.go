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
	} {
		t.Run(tc.arg, func(t *testing.T) {
			fl := pflag.NewFlagSet("test", pflag.ContinueOnError)
			var seed uint64
			var invs int
			uintFlag(fl, &seed, "seed", 1, "")
			intFlag(fl, &invs, "invocations", 64, "")
			err := fl.Parse([]string{tc.arg})
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case seed != tc.seed || invs != tc.invs:
				t.Errorf("seed %d, invocations %d; want %d and %d", seed, invs, tc.seed, tc.invs)
			}
		})
	}
}

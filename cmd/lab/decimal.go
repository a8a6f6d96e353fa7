package main

import (
	"errors"
	"regexp"
	"strconv"

	"github.com/spf13/pflag"
)

// Numbers on the command line are decimal. pflag reads them in base 0, so
// a seed copied from a zero-padded list, "010", would run seed 8, and
// "0x10" seed 16; and Go's float syntax takes 0x1p-1 for 0.5, 1_0 for 10
// and inf. A sign + is refused everywhere, as ParseUint refuses it.

type decimalUint64 struct{ p *uint64 }

func (d decimalUint64) Set(s string) error {
	if hasPlus(s) {
		return numberError(nil, "a decimal number of 0 or more")
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return numberError(err, "a decimal number of 0 or more")
	}
	*d.p = v
	return nil
}

func (d decimalUint64) String() string { return strconv.FormatUint(*d.p, 10) }
func (decimalUint64) Type() string     { return "uint" }

type decimalInt struct{ p *int }

func (d decimalInt) Set(s string) error {
	if hasPlus(s) {
		return numberError(nil, "a decimal number")
	}
	v, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return numberError(err, "a decimal number")
	}
	*d.p = int(v)
	return nil
}

func (d decimalInt) String() string { return strconv.Itoa(*d.p) }
func (decimalInt) Type() string     { return "int" }

type decimalFloat struct{ p *float64 }

func (d decimalFloat) Set(s string) error {
	v, err := parseDecimalFloat(s)
	if err != nil {
		return err
	}
	*d.p = v
	return nil
}

func (d decimalFloat) String() string { return strconv.FormatFloat(*d.p, 'g', -1, 64) }
func (decimalFloat) Type() string     { return "float" }

// decimalFloatSyntax is a decimal number with an optional fraction and
// exponent: 1, 0.5, .5, 5., 1e-3, -2.5E+2. No sign +, no hex, no _,
// no inf or nan.
var decimalFloatSyntax = regexp.MustCompile(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// parseDecimalFloat reads a decimal float, for flags and --pace alike.
func parseDecimalFloat(s string) (float64, error) {
	if !decimalFloatSyntax.MatchString(s) {
		return 0, numberError(nil, "a decimal number like 0.5 or 1e-3")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, numberError(err, "a decimal number like 0.5 or 1e-3")
	}
	return v, nil
}

func hasPlus(s string) bool { return len(s) > 0 && s[0] == '+' }

func numberError(err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("out of range")
	}
	return errors.New("want " + want)
}

// uintFlag, intFlag and floatFlag define decimal flags, as fl.Uint64Var,
// fl.IntVar and fl.Float64Var would.
func uintFlag(fl *pflag.FlagSet, p *uint64, name string, value uint64, usage string) {
	*p = value
	fl.Var(decimalUint64{p}, name, usage)
}

func intFlag(fl *pflag.FlagSet, p *int, name string, value int, usage string) {
	*p = value
	fl.Var(decimalInt{p}, name, usage)
}

func floatFlag(fl *pflag.FlagSet, p *float64, name string, value float64, usage string) {
	*p = value
	fl.Var(decimalFloat{p}, name, usage)
}

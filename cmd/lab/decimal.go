package main

import (
	"errors"
	"strconv"

	"github.com/spf13/pflag"
)

// Numbers on the command line are decimal. pflag reads them in base 0, so
// a seed copied from a zero-padded list, "010", would run seed 8, and
// "0x10" seed 16.

type decimalUint64 struct{ p *uint64 }

func (d decimalUint64) Set(s string) error {
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
	v, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return numberError(err, "a decimal number")
	}
	*d.p = int(v)
	return nil
}

func (d decimalInt) String() string { return strconv.Itoa(*d.p) }
func (decimalInt) Type() string     { return "int" }

func numberError(err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("out of range")
	}
	return errors.New("want " + want)
}

// uintFlag and intFlag define decimal flags, as fl.Uint64Var and fl.IntVar
// would.
func uintFlag(fl *pflag.FlagSet, p *uint64, name string, value uint64, usage string) {
	*p = value
	fl.Var(decimalUint64{p}, name, usage)
}

func intFlag(fl *pflag.FlagSet, p *int, name string, value int, usage string) {
	*p = value
	fl.Var(decimalInt{p}, name, usage)
}

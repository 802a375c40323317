// Package shop is the app's own code the Go recipes call: a checkout that fails.
package shop

import "errors"

// Charge refuses an amount that is not positive.
func Charge(order string, cents int) error {
	if cents <= 0 {
		return errors.New("amount must be positive")
	}
	return nil
}

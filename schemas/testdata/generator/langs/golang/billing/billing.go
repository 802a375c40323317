// Package billing holds two throw sites in one function and an error from
// a goroutine that a module dependency (errgroup) started.
package billing

import (
	"github.com/pkg/errors"
	"golang.org/x/sync/errgroup"
)

// Validate fails with one of two constant messages.
func Validate(amount int, currency string) error {
	if amount <= 0 {
		return errors.New("amount must be positive")
	}
	if currency == "" {
		return errors.New("currency is required")
	}
	return nil
}

// Invoice is settled by Total.
type Invoice struct {
	ID    int
	Lines map[string]int
}

// Total dereferences a nil invoice.
func (inv *Invoice) Total() int {
	return inv.Lines["net"] + inv.ID
}

// SettleAll settles invoices in parallel; a negative one fails.
func SettleAll(ids []int) error {
	var g errgroup.Group
	for _, id := range ids {
		g.Go(func() error {
			if id < 0 {
				return errors.Errorf("invoice %d has a negative total", -id)
			}
			return nil
		})
	}
	return g.Wait()
}

// Package cart holds the corpus's index-out-of-range bug, reached through two callers.
package cart

var prices = []int{120, 90}

// Cart prices items by index.
type Cart struct{ Items []int }

// PriceOf panics for an item past the price list.
func (c *Cart) PriceOf(i int) int {
	return prices[c.Items[i]]
}

// Checkout prices every item.
func (c *Cart) Checkout() int {
	total := 0
	for i := range c.Items {
		total += c.PriceOf(i)
	}
	return total
}

// Quote prices one item.
func (c *Cart) Quote(i, qty int) int {
	return c.PriceOf(i) * qty
}

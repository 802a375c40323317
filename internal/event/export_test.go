package event

// FastUnmarshal lets the tests check that what Marshal writes never needs
// the slow path.
func FastUnmarshal(data []byte, e *Event) error {
	var r reader
	return r.read(data, e)
}

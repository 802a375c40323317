package notifier

import (
	"errors"
	"net/url"
)

// redactURL drops the URL from an HTTP client error: webhook URLs carry
// their token in the path.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return errors.New(ue.Op + ": " + ue.Err.Error())
	}
	return err
}

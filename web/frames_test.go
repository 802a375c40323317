package web_test

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/grouping"
	"github.com/faultline/faultline/internal/config"
	"github.com/faultline/faultline/internal/event"
	"github.com/faultline/faultline/web"
)

// marked lists the frames a view marks as the fingerprint's, with their
// reasons, and every frame's reason, in order.
func marked(views []web.ExceptionView) (fp []string, reasons []string) {
	for _, xv := range views {
		for _, seg := range xv.Segments {
			for _, fr := range seg.Frames {
				if fr.Fingerprint {
					fp = append(fp, fr.Function()+" / "+fr.Reason)
				}
				reasons = append(reasons, fr.Reason)
			}
		}
	}
	return fp, reasons
}

// The page marks the frames the group's own grouping version hashed: a
// group faultline:1 made (or one made before versions) by every in-app
// frame, a faultline:2 group by the throw site; the group's fingerprint is
// what the grouping package computes for the event under that version.
func TestGroupingFramesFollowTheGroupsStrategy(t *testing.T) {
	fr := func(class, method string) event.Frame {
		return event.Frame{Class: class, Method: method, File: "X.java", Line: 1}
	}
	ev := &event.Event{Service: event.Service{Name: "shop"}, Faultline: event.Faultline{Exceptions: []event.Exception{{
		Type: "java.lang.IllegalStateException", Message: "payment declined", Frames: []event.Frame{
			fr("com.example.shop.PaymentService", "charge"),
			fr("org.springframework.aop.framework.ReflectiveMethodInvocation", "proceed"),
			fr("com.example.shop.CheckoutController", "checkout"),
			fr("org.apache.catalina.core.ApplicationFilterChain", "doFilter"),
		}}}}}
	explain := web.GroupingFrames(config.Grouping{})
	v1 := []string{"com.example.shop.PaymentService.charge / " + grouping.ReasonInApp, "com.example.shop.CheckoutController.checkout / " + grouping.ReasonInApp}
	for _, c := range []struct {
		strategy string
		want     []string
	}{
		{"", v1},
		{grouping.StrategyV1, v1},
		{grouping.StrategyV2, []string{"com.example.shop.PaymentService.charge / " + grouping.ReasonThrowSite}},
	} {
		views := explain(ev, c.strategy)
		got, reasons := marked(views)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("strategy %q: marked %q, want %q", c.strategy, got, c.want)
		}
		for i, r := range reasons {
			if r == "" {
				t.Errorf("strategy %q: frame %d has no reason", c.strategy, i)
			}
		}
		if len(views) != 1 || len(views[0].Segments) != 4 || !views[0].Segments[1].Library || views[0].Segments[0].Library {
			t.Errorf("strategy %q: segments %+v, want in-app, library, in-app, library", c.strategy, views)
		}
	}

	got, reasons := marked(explain(ev, "faultline:99"))
	if len(got) != 0 || !strings.Contains(reasons[0], "faultline:99") {
		t.Errorf("a version this build does not know: marked %q, reasons %q", got, reasons)
	}

	ev.Labels = map[string]string{"fingerprint": "payments"}
	got, reasons = marked(explain(ev, grouping.StrategyV2))
	if len(got) != 0 || reasons[0] != grouping.ReasonExplicitWins {
		t.Errorf("an explicit fingerprint: marked %q, reasons %q", got, reasons)
	}
}

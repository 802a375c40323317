package sentry

import (
	"strings"
	"testing"
	"time"
)

// sentryJava is the shape sentry-java and sentry-logback send: the class's
// package as module, frames named by class, oldest exception first.
const sentryJava = `{"event_id":"0c4f6d3b-7a8e-4a39-9c0a-6a3f1b2c3d4e","timestamp":"2026-11-25T09:30:00.123Z","platform":"java","level":"error",
"logger":"com.acme.checkout.OrderController","release":"checkout@3.1.0","environment":"prod","server_name":"pod-1",
"logentry":{"message":"Order {} failed for customer {}","params":["o-1","c-2"],"formatted":"Order o-1 failed for customer c-2"},
"exception":{"values":[
 {"type":"SocketTimeoutException","value":"Read timed out","module":"java.net","stacktrace":{"frames":[
  {"module":"com.acme.checkout.PaymentClient","function":"post","filename":"PaymentClient.java","lineno":61,"in_app":true},
  {"module":"java.net.SocketInputStream","function":"read","filename":"SocketInputStream.java","lineno":183,"in_app":false}]}},
 {"type":"IllegalStateException","value":"Payment declined","module":"java.lang","mechanism":{"type":"LogbackSentryAppender","handled":true},"stacktrace":{"frames":[
  {"module":"java.lang.Thread","function":"run","filename":"Thread.java","lineno":840},
  {"module":"com.acme.checkout.PaymentService","function":"charge","filename":"PaymentService.java","lineno":41,"in_app":true}]}}]},
"tags":{"thread":"http-nio-8080-exec-1","a.b":"dotted"},
"user":{"email":"jane@example.com","ip_address":"203.0.113.9"},"request":{"data":"card=4111111111111111","cookies":"s=1"},
"contexts":{"trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}},
"fingerprint":["{{ default }}"]}`

func TestDecodeSentryJava(t *testing.T) {
	ev, err := Decode([]byte(sentryJava))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Event.ID != "0c4f6d3b7a8e4a399c0a6a3f1b2c3d4e" || !ev.Timestamp.Equal(time.Date(2026, 11, 25, 9, 30, 0, 123e6, time.UTC)) {
		t.Errorf("id %q time %v", ev.Event.ID, ev.Timestamp)
	}
	if ev.Message != "Order o-1 failed for customer c-2" || ev.Faultline.MessageTemplate != "Order {} failed for customer {}" ||
		ev.Log.Logger != "com.acme.checkout.OrderController" || ev.Log.Level != "ERROR" || ev.Faultline.Platform != "java" {
		t.Errorf("message %q template %q logger %q level %q platform %q", ev.Message, ev.Faultline.MessageTemplate, ev.Log.Logger, ev.Log.Level, ev.Faultline.Platform)
	}
	exs := ev.Faultline.Exceptions
	if len(exs) != 2 || exs[0].Type != "java.lang.IllegalStateException" || exs[1].Type != "java.net.SocketTimeoutException" {
		t.Fatalf("chain %+v", exs)
	}
	if f := exs[0].Frames; len(f) != 2 || f[0].Function() != "com.acme.checkout.PaymentService.charge" || f[0].File != "PaymentService.java" || f[0].Line != 41 ||
		f[1].Function() != "java.lang.Thread.run" || f[1].InApp != nil {
		t.Errorf("frames %+v", f)
	}
	want := "java.lang.IllegalStateException: Payment declined\n\tat com.acme.checkout.PaymentService.charge(PaymentService.java:41)\n\tat java.lang.Thread.run(Thread.java:840)\n" +
		"Caused by: java.net.SocketTimeoutException: Read timed out\n\tat java.net.SocketInputStream.read(SocketInputStream.java:183)\n\tat com.acme.checkout.PaymentClient.post(PaymentClient.java:61)\n"
	if ev.Error == nil || ev.Error.StackTrace != want || ev.Error.Type != "java.lang.IllegalStateException" {
		t.Errorf("error %+v\nwant trace %q", ev.Error, want)
	}
	if ev.Labels["thread"] != "http-nio-8080-exec-1" || ev.Labels["mechanism"] != "LogbackSentryAppender" || ev.Labels["handled"] != "true" {
		t.Errorf("labels %v", ev.Labels)
	}
	if _, ok := ev.Labels["fingerprint"]; ok {
		t.Error(`["{{ default }}"] alone is faultline's own grouping, not a fingerprint`)
	}
	all := strings.Join([]string{ev.Message, ev.Error.StackTrace, ev.Host.Name, ev.Trace.ID}, " ")
	for k, v := range ev.Labels {
		all += " " + k + "=" + v
	}
	for _, pii := range []string{"jane@example.com", "203.0.113.9", "4111111111111111", "s=1"} {
		if strings.Contains(all, pii) {
			t.Errorf("%s kept", pii)
		}
	}
	if ev.Service.Version != "checkout@3.1.0" || ev.Service.Environment != "prod" || ev.Host.Name != "pod-1" || ev.Trace.ID != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("service %+v host %+v trace %+v", ev.Service, ev.Host, ev.Trace)
	}
}

// Other shapes SDKs send: older forms of message, exception and tags, Unix
// timestamps, and every level.
func TestDecodeShapes(t *testing.T) {
	cases := []struct {
		name, in string
		check    func(t *testing.T, msg, level, typ, file string, labels map[string]string, ts time.Time)
	}{
		{"python builtin and own exception", `{"platform":"python","level":"fatal","timestamp":1764754200.25,"exception":{"values":[
			{"type":"KeyError","value":"'sku'","module":"builtins"},
			{"type":"PaymentError","value":"declined","module":"shop.billing","stacktrace":{"frames":[{"function":"charge","module":"shop.billing","filename":"shop/billing.py","abs_path":"/app/shop/billing.py","lineno":9}]}}]}}`,
			func(t *testing.T, msg, level, typ, file string, _ map[string]string, ts time.Time) {
				if msg != "shop.billing.PaymentError: declined" || level != "FATAL" || typ != "shop.billing.PaymentError" || file != "/app/shop/billing.py" ||
					!ts.Equal(time.Unix(1764754200, 250e6)) {
					t.Errorf("%q %q %q %q %v", msg, level, typ, file, ts)
				}
			}},
		{"message as a string, tags as pairs", `{"message":"disk full","level":"warning","tags":[["region","eu"],["n",3]],"fingerprint":["disk",{"x":1},"{{default}}"]}`,
			func(t *testing.T, msg, level, _, _ string, labels map[string]string, _ time.Time) {
				if msg != "disk full" || level != "WARN" || labels["region"] != "eu" || labels["n"] != "3" || labels["fingerprint"] != "disk\n{{ default }}" {
					t.Errorf("%q %q %v", msg, level, labels)
				}
			}},
		{"message as a logentry object, exception as a list, unknown level", `{"message":{"formatted":"x=1","message":"x=%s"},"level":"critical","exception":[{"type":"E"}]}`,
			func(t *testing.T, msg, level, typ, _ string, _ map[string]string, _ time.Time) {
				if msg != "x=1" || level != "CRITICAL" || typ != "E" {
					t.Errorf("%q %q %q", msg, level, typ)
				}
			}},
		{"an unknown platform is a label", `{"message":"m","platform":"cobol"}`,
			func(t *testing.T, _, level, _, _ string, labels map[string]string, _ time.Time) {
				if labels["platform"] != "cobol" || level != "ERROR" {
					t.Errorf("%v %q", labels, level)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Decode([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			var typ, file string
			if len(ev.Faultline.Exceptions) > 0 {
				typ = ev.Faultline.Exceptions[0].Type
				if fr := ev.Faultline.Exceptions[0].Frames; len(fr) > 0 {
					file = fr[0].File
				}
			}
			c.check(t, ev.Message, ev.Log.Level, typ, file, ev.Labels, ev.Timestamp)
		})
	}
}

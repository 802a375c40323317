package event

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// javaTrace is Throwable.printStackTrace output from a JDK 21 Spring app:
// module and loader prefixes, a CGLIB proxy, a hidden lambda class, logback
// packaging data, and a suppressed exception with its own cause.
// It lives in testdata so that ingest's tests read the same text.
var javaTrace = mustRead("testdata/jdk21-spring.trace")

func mustRead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rootFirstTrace is logstash-logback-encoder's ShortenedThrowableConverter
// with rootCauseFirst and inlineHash.
const rootFirstTrace = `<#8f3a21c0> java.net.ConnectException: Connection refused
	at java.base/sun.nio.ch.Net.connect0(Native Method)
	at org.postgresql.core.PGStream.createSocket(PGStream.java:243)
	... 3 frames excluded
Wrapped by: <#1b2c3d4e> org.postgresql.util.PSQLException: Connection to db:5432 refused.
	at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)
	... 12 common frames omitted
Wrapped by: <#aa55aa55> org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection
	at org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)
	at com.example.reports.ReportJob.lambda$run$0(ReportJob.java:22)
`

func TestParseStackTrace(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Exception
	}{
		{
			name: "java with suppressed and modules",
			text: javaTrace,
			want: []Exception{
				{
					Type:    "org.springframework.web.client.HttpServerErrorException$BadGateway",
					Message: `502 Bad Gateway: "upstream timeout"`,
					Frames: []Frame{
						{Class: "org.springframework.web.client.HttpServerErrorException", Method: "create", File: "HttpServerErrorException.java", Line: 112},
						{Class: "org.springframework.web.client.StatusHandler", Method: "lambda$defaultHandler$3", File: "StatusHandler.java", Line: 89},
						{Class: "com.example.pay.PaymentClient", Method: "charge", File: "PaymentClient.java", Line: 57},
						{Class: "com.example.pay.PaymentClient$$SpringCGLIB$$0", Method: "charge", File: "<generated>"},
						{Class: "com.example.pay.PaymentJob$$Lambda/0x00000008012a4c28", Method: "run"},
						{Class: "java.lang.Thread", Method: "run", File: "Thread.java", Line: 1583},
					},
				},
				{
					Type:    "java.net.SocketTimeoutException",
					Message: "Read timed out",
					Frames: []Frame{
						{Class: "sun.nio.ch.NioSocketImpl", Method: "timedRead", File: "NioSocketImpl.java", Line: 278},
						{Class: "com.example.pay.RetryingHttp", Method: "read", File: "RetryingHttp.java", Line: 41},
						{Class: "sun.nio.ch.Net", Method: "poll"},
					},
				},
			},
		},
		{
			name: "root cause first is reversed",
			text: rootFirstTrace,
			want: []Exception{
				{
					Type:    "org.springframework.jdbc.CannotGetJdbcConnectionException",
					Message: "Failed to obtain JDBC Connection",
					Frames: []Frame{
						{Class: "org.springframework.jdbc.datasource.DataSourceUtils", Method: "getConnection", File: "DataSourceUtils.java", Line: 84},
						{Class: "com.example.reports.ReportJob", Method: "lambda$run$0", File: "ReportJob.java", Line: 22},
					},
				},
				{
					Type:    "org.postgresql.util.PSQLException",
					Message: "Connection to db:5432 refused.",
					Frames: []Frame{
						{Class: "org.postgresql.core.v3.ConnectionFactoryImpl", Method: "openConnectionImpl", File: "ConnectionFactoryImpl.java", Line: 346},
					},
				},
				{
					Type:    "java.net.ConnectException",
					Message: "Connection refused",
					Frames: []Frame{
						{Class: "sun.nio.ch.Net", Method: "connect0"},
						{Class: "org.postgresql.core.PGStream", Method: "createSocket", File: "PGStream.java", Line: 243},
					},
				},
			},
		},
		{
			name: "multi-line message, CRLF, uncaught prefix",
			text: "Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid order payload:\r\n" +
				"  - quantity must be > 0\r\n" +
				"  - sku is required\r\n" +
				"\tat com.example.Main.lambda$main$0(Main.java:14)\r\n" +
				"\tat com.example.Main.main(Main.java:9)\r\n",
			want: []Exception{{
				Type:    "java.lang.IllegalArgumentException",
				Message: "Invalid order payload:\n  - quantity must be > 0\n  - sku is required",
				Frames: []Frame{
					{Class: "com.example.Main", Method: "lambda$main$0", File: "Main.java", Line: 14},
					{Class: "com.example.Main", Method: "main", File: "Main.java", Line: 9},
				},
			}},
		},
		{
			name: "type only, logback null message, no frames",
			text: "java.lang.NullPointerException\nCaused by: java.lang.IllegalStateException: null",
			want: []Exception{
				{Type: "java.lang.NullPointerException"},
				{Type: "java.lang.IllegalStateException"},
			},
		},
		{
			name: "inline separator",
			text: `java.lang.RuntimeException: boom\n	at com.example.A.b(A.java:1)\n`,
			want: []Exception{{
				Type: "java.lang.RuntimeException", Message: "boom",
				Frames: []Frame{{Class: "com.example.A", Method: "b", File: "A.java", Line: 1}},
			}},
		},
		{
			name: "circular reference and module with version",
			text: "java.lang.Exception: loop\n" +
				"\tat com.foo.loader/foo@9.0/com.foo.Main.run(Main.java:101)\n" +
				"Caused by: java.lang.RuntimeException: inner\n" +
				"\t[CIRCULAR REFERENCE: java.lang.Exception: loop]\n",
			want: []Exception{
				{Type: "java.lang.Exception", Message: "loop", Frames: []Frame{{Class: "com.foo.Main", Method: "run", File: "Main.java", Line: 101}}},
				{Type: "java.lang.RuntimeException", Message: "inner"},
			},
		},
		{name: "not a trace", text: "Something went wrong: see logs\n\tat noon", want: nil},
		{name: "empty", text: "", want: nil},
		{name: "python", text: "Traceback (most recent call last):\n  File \"x.py\", line 1", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseStackTrace(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseStackTrace:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseFrame(t *testing.T) {
	tests := []struct {
		in   string
		want Frame
		ok   bool
	}{
		{"at com.x.Y.m(Y.java:12)", Frame{Class: "com.x.Y", Method: "m", File: "Y.java", Line: 12}, true},
		{"at com.x.Y.<init>(Y.java)", Frame{Class: "com.x.Y", Method: "<init>", File: "Y.java"}, true},
		{"at java.base/java.lang.invoke.LambdaForm$DMH/0x0000000800c0c000.invokeVirtual(LambdaForm$DMH)", Frame{Class: "java.lang.invoke.LambdaForm$DMH/0x0000000800c0c000", Method: "invokeVirtual", File: "LambdaForm$DMH"}, true},
		{"at Y.kt(Y.kt:3) [app.jar:1.0]", Frame{Class: "Y", Method: "kt", File: "Y.kt", Line: 3}, true},
		{"at nothing", Frame{}, false},
		{"at (Y.java:1)", Frame{}, false},
		{"at a b.c(Y.java:1)", Frame{}, false},
		{"at x.(Y.java:1)", Frame{}, false},
	}
	for _, tt := range tests {
		got, ok := parseFrame(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseFrame(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseStackTrace(f *testing.F) {
	for _, s := range []string{javaTrace, rootFirstTrace, "java.lang.Error", "Caused by: x", "\tSuppressed: a\nCaused by: b", `a.B: c\n	at d.e(f)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		platform, chain := ParseStack(text)
		if platform != PlatformJava {
			checkChain(t, chain)
			return
		}
		for _, ex := range chain {
			if !isTypeName(ex.Type) {
				t.Fatalf("exception type %q is not a type name", ex.Type)
			}
			for _, fr := range ex.Frames {
				if fr.Method == "" || strings.ContainsAny(fr.Class+fr.Method, " \t\n") || fr.Line < 0 {
					t.Fatalf("bad frame %+v", fr)
				}
			}
		}
	})
}

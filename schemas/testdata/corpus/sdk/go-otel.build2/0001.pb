
ﬂì
Y
%
deployment.environment.name
prod

service.name
goshop

service.version
2Äì

goshopí		&Îî±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [5] with length 22ö
exception.stacktraceÅ
˛panic: runtime error: index out of range [5] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976ac00?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:21
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x39
main.run.func1(0x35077985fd6f, {0x3507797c2c00, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x2b8
Y˘î±È¬Ìå		äKï±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [5] with length 22ó
exception.stacktrace˛
˚panic: runtime error: index out of range [5] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976ac30?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:29
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x31
main.run.func1(0x35077985fd6f, {0x3507797c2c60, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x2fc
Y	[ï±È¬Ìí		>Åó±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [7] with length 22ö
exception.stacktraceÅ
˛panic: runtime error: index out of range [7] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976ac60?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:21
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x39
main.run.func1(0x35077985fd6f, {0x3507797c2cc0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x2b8
Y%ãó±È¬Ìå		íãö±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [7] with length 22ó
exception.stacktrace˛
˚panic: runtime error: index out of range [7] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976ac90?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:29
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x31
main.run.func1(0x35077985fd6f, {0x3507797c2d20, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x2fc
Yjîö±È¬Ìí		◊–ö±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [9] with length 22ö
exception.stacktraceÅ
˛panic: runtime error: index out of range [9] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976acc0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:21
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x39
main.run.func1(0x35077985fd6f, {0x3507797c2d80, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:208 +0x2b8
Yô‘ö±È¬Ìå		≤õ±È¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
22
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [9] with length 22ó
exception.stacktrace˛
˚panic: runtime error: index out of range [9] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xba1440?, 0x35077976acf0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:12
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cart/cart.go:29
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x31
main.run.func1(0x35077985fd6f, {0x3507797c2de0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x35077985ff20)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:209 +0x2fc
Y$õ±È¬ÌŒ	»Ôõ±È¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
22
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:15
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalYÚõ±È¬ÌŒ	 _ú±È¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
22
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:15
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalYGaú±È¬ÌŒ	ìú±È¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
22
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:15
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:213
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalYEîú±È¬Ì 	Fù±È¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
22
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:19
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalYHù±È¬Ì 	rpù±È¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
22
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:19
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalY«qù±È¬Ì 	"ñù±È¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
22
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:19
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:217
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalYcóù±È¬Ì¿	,ˆù±È¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
22
corpus_variant

bad-json2¥
exception.stacktraceõ
òinvalid character 'b' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build2/config/config.go:16
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712k
exception.messageV
Tconfig load failed: invalid character 'b' looking for beginning of object key string2%
exception.type
*errors.withStackYã˜ù±È¬Ì¬	ã¨û±È¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
22
corpus_variant

bad-json2µ
exception.stacktraceú
ôinvalid character '\'' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build2/config/config.go:16
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712l
exception.messageW
Uconfig load failed: invalid character '\'' looking for beginning of object key string2%
exception.type
*errors.withStackYü¿û±È¬Ì¿	ÿÏû±È¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
22
corpus_variant

bad-json2¥
exception.stacktraceõ
òinvalid character 'x' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build2/config/config.go:16
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:221
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712k
exception.messageV
Tconfig load failed: invalid character 'x' looking for beginning of object key string2%
exception.type
*errors.withStackY-Óû±È¬Ì¢	?[ü±È¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
22
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 7 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:47
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 7 has a negative total2'
exception.type
*errors.fundamentalY‰\ü±È¬Ì¢	S†±È¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
22
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 8 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:47
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 8 has a negative total2'
exception.type
*errors.fundamentalY¡U†±È¬Ì¢	Œu†±È¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
22
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 9 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:47
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 9 has a negative total2'
exception.type
*errors.fundamentalYKw†±È¬Ìœ	™ñ°±È¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
22
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2À
exception.stacktrace≤
Øpanic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:34
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:236 +0x2f
main.run.func1(0x35077985fd6f, {0x3507797c32c0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x35077985fe70)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:229 +0x5e5
Yù°±È¬Ìœ	Ö£±È¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
22
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2À
exception.stacktrace≤
Øpanic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:34
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:236 +0x2f
main.run.func1(0x35077985fd6f, {0x3507797c3320, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x35077985fe70)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:229 +0x5e5
Yc£±È¬Ìœ	~s£±È¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
22
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2À
exception.stacktrace≤
Øpanic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:69 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build2/billing/billing.go:34
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:236 +0x2f
main.run.func1(0x35077985fd6f, {0x3507797c3380, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:72 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x35077985fe70)
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:77 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build2/cmd/shop/main.go:229 +0x5e5
YÆw£±È¬Ì

æì
Y
%
deployment.environment.name
prod

service.name
goshop

service.version
1ﬂí

goshopé		÷mO·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [5] with length 22ñ
exception.stacktrace˝
˙panic: runtime error: index out of range [5] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84ab88?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:18
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x39
main.run.func1(0x91cbf8bfd6f, {0x91cbf828ba0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x2b8
YÑO·Ê¬Ìà		§ñP·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [5] with length 22ì
exception.stacktrace˙
˜panic: runtime error: index out of range [5] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84abb8?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:25
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x31
main.run.func1(0x91cbf8bfd6f, {0x91cbf828c00, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x2fc
Y¶ØP·Ê¬Ìé		™·P·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [7] with length 22ñ
exception.stacktrace˝
˙panic: runtime error: index out of range [7] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84abe8?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:18
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x39
main.run.func1(0x91cbf8bfd6f, {0x91cbf828c60, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x2b8
YDÂP·Ê¬Ìà		°"Q·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [7] with length 22ì
exception.stacktrace˙
˜panic: runtime error: index out of range [7] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84ac18?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:25
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x31
main.run.func1(0x91cbf8bfd6f, {0x91cbf828cc0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x2fc
YEèQ·Ê¬Ìé		êøQ·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12 
corpus_variant
via-checkout2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [9] with length 22ñ
exception.stacktrace˝
˙panic: runtime error: index out of range [9] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84ac48?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Checkout(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:18
main.main.func1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x39
main.run.func1(0x91cbf8bfd6f, {0x91cbf828d20, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf9010, 0xc}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:177 +0x2b8
YÚ√Q·Ê¬Ìà		P
R·Ê¬ÌERROR*
panic serving request2

corpus_bug
G012
corpus_build
12
corpus_variant
	via-quote2'
exception.type
runtime.boundsError2J
exception.message5
3runtime error: index out of range [9] with length 22ì
exception.stacktrace˙
˜panic: runtime error: index out of range [9] with length 2

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xba1440?, 0x91cbf84ac78?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/cart.(*Cart).PriceOf(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:11
github.com/acme/goshop/cart.(*Cart).Quote(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cart/cart.go:25
main.main.func2()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x31
main.run.func1(0x91cbf8bfd6f, {0x91cbf828d80, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f3a, 0x3}, {0xbf6c16, 0x9}, 0x91cbf8bff20)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:178 +0x2fc
YèR·Ê¬ÌŒ	ÄTS·Ê¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
12
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:13
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalY∫XS·Ê¬ÌŒ	|ŒS·Ê¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
12
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:13
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalY?–S·Ê¬ÌŒ	Q˙S·Ê¬ÌERROR*
request failed2

corpus_bug
G022
corpus_build
12
corpus_variant
amount2ˇ
exception.stacktraceÊ
„amount must be positive
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:13
main.main.func3
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:181
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712.
exception.message
amount must be positive2'
exception.type
*errors.fundamentalY∞˚S·Ê¬Ì 	ÆU·Ê¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
12
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:16
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalYjU·Ê¬Ì 	dU·Ê¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
12
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:16
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalYøfU·Ê¬Ì 	ØÜU·Ê¬ÌERROR*
request failed2

corpus_bug
G032
corpus_build
12
corpus_variant

currency2¸
exception.stacktrace„
‡currency is required
github.com/acme/goshop/billing.Validate
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:16
main.main.func4
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:184
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712+
exception.message
currency is required2'
exception.type
*errors.fundamentalYàU·Ê¬Ì¿	pºV·Ê¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
12
corpus_variant

bad-json2¥
exception.stacktraceõ
òinvalid character 'b' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build1/config/config.go:14
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712k
exception.messageV
Tconfig load failed: invalid character 'b' looking for beginning of object key string2%
exception.type
*errors.withStackYﬁæV·Ê¬Ì¬	Ò W·Ê¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
12
corpus_variant

bad-json2µ
exception.stacktraceú
ôinvalid character '\'' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build1/config/config.go:14
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712l
exception.messageW
Uconfig load failed: invalid character '\'' looking for beginning of object key string2%
exception.type
*errors.withStackYMCW·Ê¬Ì¿	<7X·Ê¬ÌERROR*
request failed2

corpus_bug
G042
corpus_build
12
corpus_variant

bad-json2¥
exception.stacktraceõ
òinvalid character 'x' looking for beginning of object key string
config load failed
github.com/acme/goshop/config.Load
	/tmp/tmp.WGR6ue3PtJ/go/build1/config/config.go:14
main.main.func5
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
main.run.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67
main.run
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71
main.main
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:187
runtime.main
	/usr/local/go/src/runtime/proc.go:290
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:17712k
exception.messageV
Tconfig load failed: invalid character 'x' looking for beginning of object key string2%
exception.type
*errors.withStackY]:X·Ê¬Ì¢	rµX·Ê¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
12
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 7 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:38
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 7 has a negative total2'
exception.type
*errors.fundamentalYg∑X·Ê¬Ì¢	Ù€X·Ê¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
12
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 8 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:38
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 8 has a negative total2'
exception.type
*errors.fundamentalY]›X·Ê¬Ì¢	∑ÒX·Ê¬ÌERROR*
request failed2

corpus_bug
G052
corpus_build
12
corpus_variant

negative2 
exception.stacktrace±
Æinvoice 9 has a negative total
github.com/acme/goshop/billing.SettleAll.func1
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:38
golang.org/x/sync/errgroup.(*Group).Go.func1
	/root/go/pkg/mod/golang.org/x/sync@v0.25.0/errgroup/errgroup.go:93
runtime.goexit
	/usr/local/go/src/runtime/asm_amd64.s:177125
exception.message 
invoice 9 has a negative total2'
exception.type
*errors.fundamentalYÛX·Ê¬ÌÃ	GôZ·Ê¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
12
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2»
exception.stacktraceØ
¨panic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:29
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:198 +0x2f
main.run.func1(0x91cbf8bfd6f, {0x91cbf829260, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x91cbf8bfe70)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:193 +0x5e5
Y`£Z·Ê¬ÌÃ	µ\·Ê¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
12
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2»
exception.stacktraceØ
¨panic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:29
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:198 +0x2f
main.run.func1(0x91cbf8bfd6f, {0x91cbf8292c0, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x91cbf8bfe70)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:193 +0x5e5
Yàf\·Ê¬ÌÃ	⁄î]·Ê¬ÌERROR*
panic serving request2

corpus_bug
G062
corpus_build
12
corpus_variant
nil-invoice2'
exception.type
runtime.errorString2W
exception.messageB
@runtime error: invalid memory address or nil pointer dereference2»
exception.stacktraceØ
¨panic: runtime error: invalid memory address or nil pointer dereference

goroutine 1 [running]:
runtime/debug.Stack()
	/usr/local/go/src/runtime/debug/stack.go:26 +0x5e
main.run.func1.1()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:64 +0x69
panic({0xb09080?, 0x12108c0?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
github.com/acme/goshop/billing.(*Invoice).Total(...)
	/tmp/tmp.WGR6ue3PtJ/go/build1/billing/billing.go:29
main.main.func7()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:198 +0x2f
main.run.func1(0x91cbf8bfd6f, {0x91cbf829320, 0x3, 0x3}, 0x4?)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:67 +0x86
main.run({0xbf1f49, 0x3}, {0xbf84c1, 0xb}, 0x91cbf8bfe70)
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:71 +0x125
main.main()
	/tmp/tmp.WGR6ue3PtJ/go/build1/cmd/shop/main.go:193 +0x5e5
Y·ö]·Ê¬Ì
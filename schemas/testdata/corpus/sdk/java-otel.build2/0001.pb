
¿c
ƒ
%
deployment.environment.name
prod

service.name
jshop

service.version
2
 
telemetry.sdk.language
java
%
telemetry.sdk.name
opentelemetry
!
telemetry.sdk.version
1.56.0ˆa

Shopç	Ø√ÌYı\g"√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
22
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$0(Shop.java:154)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:154)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainç	~&√ÌYçé!&√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
22
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$0(Shop.java:154)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:154)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainç	co"&√ÌY	1&√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
22
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$0(Shop.java:154)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:154)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainâ	˜√[&√ÌYXÂt&√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
22
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:51)
	at Shop.lambda$main$1(Shop.java:158)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:158)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainâ	Dv&√ÌYNXy&√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
22
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:51)
	at Shop.lambda$main$1(Shop.java:158)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:158)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainâ	0,z&√ÌYÄê|&√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
22
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:51)
	at Shop.lambda$main$1(Shop.java:158)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:158)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
26
exception.type$
"java.lang.IllegalArgumentException2
thread.name
mainô	Äâ&√ÌYwå&√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22 
corpus_variant
via-checkout2(
exception.message
no price for kiwi2ß
exception.stacktraceé
ãjava.lang.IllegalStateException: no price for kiwi
	at Shop.priceOf(Shop.java:60)
	at Shop.checkout(Shop.java:70)
	at Shop.lambda$main$2(Shop.java:162)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:162)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
mainì	ß8ã'√ÌYÄÛí'√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22
corpus_variant
	via-quote2(
exception.message
no price for kiwi2§
exception.stacktraceã
àjava.lang.IllegalStateException: no price for kiwi
	at Shop.priceOf(Shop.java:60)
	at Shop.quote(Shop.java:77)
	at Shop.lambda$main$3(Shop.java:163)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:163)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
mainõ	Iî'√ÌY;@ó'√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22 
corpus_variant
via-checkout2)
exception.message
no price for mango2®
exception.stacktraceè
åjava.lang.IllegalStateException: no price for mango
	at Shop.priceOf(Shop.java:60)
	at Shop.checkout(Shop.java:70)
	at Shop.lambda$main$2(Shop.java:162)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:162)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
mainï	Ä˜ó'√ÌY5"ö'√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22
corpus_variant
	via-quote2)
exception.message
no price for mango2•
exception.stacktraceå
âjava.lang.IllegalStateException: no price for mango
	at Shop.priceOf(Shop.java:60)
	at Shop.quote(Shop.java:77)
	at Shop.lambda$main$3(Shop.java:163)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:163)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
mainô	|±ö'√ÌY*∑Ù'√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22 
corpus_variant
via-checkout2(
exception.message
no price for plum2ß
exception.stacktraceé
ãjava.lang.IllegalStateException: no price for plum
	at Shop.priceOf(Shop.java:60)
	at Shop.checkout(Shop.java:70)
	at Shop.lambda$main$2(Shop.java:162)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:162)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
mainì	∂Ωˆ'√ÌY;ˇ'√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
22
corpus_variant
	via-quote2(
exception.message
no price for plum2§
exception.stacktraceã
àjava.lang.IllegalStateException: no price for plum
	at Shop.priceOf(Shop.java:60)
	at Shop.quote(Shop.java:77)
	at Shop.lambda$main$3(Shop.java:163)
	at Shop.run(Shop.java:89)
	at Shop.main(Shop.java:163)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:77)
	at java.base/jdk.internal.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.base/java.lang.reflect.Method.invoke(Method.java:569)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.run(Main.java:192)
	at jdk.compiler/com.sun.tools.javac.launcher.Main.main(Main.java:132)
23
exception.type!
java.lang.IllegalStateException2
thread.name
main
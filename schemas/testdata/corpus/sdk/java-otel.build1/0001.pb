
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
1
 
telemetry.sdk.language
java
%
telemetry.sdk.name
opentelemetry
!
telemetry.sdk.version
1.56.0ˆa

Shopç	ÓÍz‡√ÌY=çäá‡√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
12
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:44)
	at Shop.lambda$main$0(Shop.java:134)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:134)
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
mainç	ÏXã‡√ÌY®b€å‡√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
12
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:44)
	at Shop.lambda$main$0(Shop.java:134)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:134)
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
mainç	∂r›å‡√ÌYp≥âé‡√ÌERROR*
request failed2

corpus_bug
J012
corpus_build
12
corpus_variant
amount2.
exception.message
amount must be positive2ò
exception.stacktraceˇ
¸java.lang.IllegalArgumentException: amount must be positive
	at Shop.validatePayment(Shop.java:44)
	at Shop.lambda$main$0(Shop.java:134)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:134)
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
mainâ	ûªîé‡√ÌY5íöé‡√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
12
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$1(Shop.java:137)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:137)
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
mainâ	BÌõé‡√ÌYñÀüé‡√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
12
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$1(Shop.java:137)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:137)
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
mainâ	Á∏†é‡√ÌY—Ù£é‡√ÌERROR*
request failed2

corpus_bug
J022
corpus_build
12
corpus_variant

currency2+
exception.message
currency is required2ï
exception.stacktrace¸
˘java.lang.IllegalArgumentException: currency is required
	at Shop.validatePayment(Shop.java:47)
	at Shop.lambda$main$1(Shop.java:137)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:137)
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
mainô	—±é‡√ÌYTÄµé‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12 
corpus_variant
via-checkout2(
exception.message
no price for kiwi2ß
exception.stacktraceé
ãjava.lang.IllegalStateException: no price for kiwi
	at Shop.priceOf(Shop.java:54)
	at Shop.checkout(Shop.java:62)
	at Shop.lambda$main$2(Shop.java:140)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:140)
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
mainì	\7Ôè‡√ÌYäªˆè‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12
corpus_variant
	via-quote2(
exception.message
no price for kiwi2§
exception.stacktraceã
àjava.lang.IllegalStateException: no price for kiwi
	at Shop.priceOf(Shop.java:54)
	at Shop.quote(Shop.java:68)
	at Shop.lambda$main$3(Shop.java:141)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:141)
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
mainõ	ú∫¯è‡√ÌY;˝è‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12 
corpus_variant
via-checkout2)
exception.message
no price for mango2®
exception.stacktraceè
åjava.lang.IllegalStateException: no price for mango
	at Shop.priceOf(Shop.java:54)
	at Shop.checkout(Shop.java:62)
	at Shop.lambda$main$2(Shop.java:140)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:140)
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
mainï	gJ˛è‡√ÌYÛ◊ê‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12
corpus_variant
	via-quote2)
exception.message
no price for mango2•
exception.stacktraceå
âjava.lang.IllegalStateException: no price for mango
	at Shop.priceOf(Shop.java:54)
	at Shop.quote(Shop.java:68)
	at Shop.lambda$main$3(Shop.java:141)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:141)
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
mainô	ˇê‡√ÌYb7ê‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12 
corpus_variant
via-checkout2(
exception.message
no price for plum2ß
exception.stacktraceé
ãjava.lang.IllegalStateException: no price for plum
	at Shop.priceOf(Shop.java:54)
	at Shop.checkout(Shop.java:62)
	at Shop.lambda$main$2(Shop.java:140)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:140)
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
mainì	Ê$ê‡√ÌY¨ê‡√ÌERROR*
request failed2

corpus_bug
J032
corpus_build
12
corpus_variant
	via-quote2(
exception.message
no price for plum2§
exception.stacktraceã
àjava.lang.IllegalStateException: no price for plum
	at Shop.priceOf(Shop.java:54)
	at Shop.quote(Shop.java:68)
	at Shop.lambda$main$3(Shop.java:141)
	at Shop.run(Shop.java:78)
	at Shop.main(Shop.java:141)
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
package com.acme.corpus.platform;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-house tracing proxy some call sites wrap a repository in: a
 * java.lang.reflect.Proxy whose handler times each call. Unlike the
 * fixtures' MetricsInvocationHandler it rethrows the target's own exception,
 * as Spring's JdkDynamicAopProxy does, so the exception chain is the same
 * with and without the proxy. Its invoke frame is application code (not a
 * framework's), and the proxy class jdk.proxyN.$ProxyNN is generated.
 */
public final class TracingProxy implements InvocationHandler {
    private final Object target;
    private final Map<String, Long> lastNanos = new ConcurrentHashMap<>();

    private TracingProxy(Object target) {
        this.target = target;
    }

    public static <T> T wrap(Class<T> iface, T target) {
        Object proxy = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, new TracingProxy(target));
        return iface.cast(proxy);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        long start = System.nanoTime();
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            lastNanos.put(method.getName(), System.nanoTime() - start);
        }
    }
}

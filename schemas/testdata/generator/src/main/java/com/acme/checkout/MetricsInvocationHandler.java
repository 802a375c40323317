package com.acme.checkout;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Times calls through a java.lang.reflect.Proxy. It has the classic bug of
 * letting InvocationTargetException escape, which the proxy then wraps in an
 * UndeclaredThrowableException.
 */
public final class MetricsInvocationHandler implements InvocationHandler {
    private final Object target;
    private long lastNanos;

    private MetricsInvocationHandler(Object target) {
        this.target = target;
    }

    public static <T> T wrap(Class<T> iface, T target) {
        Object proxy = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface},
                new MetricsInvocationHandler(target));
        return iface.cast(proxy);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        long start = System.nanoTime();
        try {
            return method.invoke(target, args);
        } finally {
            lastNanos = System.nanoTime() - start;
        }
    }
}

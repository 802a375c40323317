package com.acme.checkout;

import java.lang.invoke.MethodHandles;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.SuperMethodCall;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * Generates a subclass the way Spring's CGLIB proxying does: named
 * Type$$SpringCGLIB$$0, overriding the public methods to call super, with
 * "<generated>" as its source file, so stack traces show the same frame as a
 * Spring application's.
 */
public final class SpringLikeProxies {
    private SpringLikeProxies() {}

    public static <T> Class<? extends T> cglibSubclass(Class<T> type) throws IllegalAccessException {
        return new ByteBuddy()
                .subclass(type)
                .name(type.getName() + "$$SpringCGLIB$$0")
                .method(ElementMatchers.isPublic().and(ElementMatchers.isDeclaredBy(type)))
                .intercept(SuperMethodCall.INSTANCE)
                .visit(new GeneratedSourceFile())
                .make()
                .load(type.getClassLoader(),
                        ClassLoadingStrategy.UsingLookup.of(MethodHandles.privateLookupIn(type, MethodHandles.lookup())))
                .getLoaded();
    }

    /** Sets the SourceFile attribute to "<generated>", as CGLIB does. */
    private static final class GeneratedSourceFile extends AsmVisitorWrapper.AbstractBase {
        @Override
        public ClassVisitor wrap(TypeDescription instrumentedType, ClassVisitor classVisitor,
                Implementation.Context implementationContext, TypePool typePool,
                FieldList<FieldDescription.InDefinedShape> fields, MethodList<?> methods,
                int writerFlags, int readerFlags) {
            return new ClassVisitor(OpenedClassReader.ASM_API, classVisitor) {
                @Override
                public void visit(int version, int access, String name, String signature,
                        String superName, String[] interfaces) {
                    super.visit(version, access, name, signature, superName, interfaces);
                    super.visitSource("<generated>", null);
                }
            };
        }
    }
}

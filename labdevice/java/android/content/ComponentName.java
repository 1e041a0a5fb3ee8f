package android.content;

public final class ComponentName {
    private final String mPackage;
    private final String mClass;

    public ComponentName(String pkg, String cls) {
        mPackage = pkg;
        mClass = cls;
    }

    public ComponentName(Context pkg, String cls) { this(pkg.getPackageName(), cls); }
    public ComponentName(Context pkg, Class<?> cls) { this(pkg.getPackageName(), cls.getName()); }

    public String getPackageName() { return mPackage; }
    public String getClassName() { return mClass; }
    public String flattenToShortString() { return mPackage + "/" + mClass; }

    @Override public String toString() { return "ComponentInfo{" + mPackage + "/" + mClass + "}"; }
}

package dalvik.system;

import java.io.File;

/** Loads code from files an app extracted or downloaded at run time (packers, plugins). */
public class DexClassLoader extends BaseDexClassLoader {
    public DexClassLoader(String dexPath, String optimizedDirectory, String librarySearchPath, ClassLoader parent) {
        super(dexPath, optimizedDirectory == null ? null : new File(optimizedDirectory), librarySearchPath, parent);
    }
}

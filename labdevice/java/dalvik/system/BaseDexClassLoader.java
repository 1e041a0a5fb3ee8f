package dalvik.system;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Loads classes from APK/JAR files (the lab's dex is a jar), defining them itself, so the
 * classes' loader is this object as on ART. dexPath lists files separated by ':'.
 */
public class BaseDexClassLoader extends ClassLoader {
    private final List<File> pathList = new ArrayList<>();

    public BaseDexClassLoader(String dexPath, File optimizedDirectory, String librarySearchPath, ClassLoader parent) {
        super(parent);
        for (String part : dexPath.split(File.pathSeparator)) {
            if (!part.isEmpty()) pathList.add(new File(part));
        }
    }

    @Override protected Class<?> findClass(String name) throws ClassNotFoundException {
        String entryName = name.replace('.', '/') + ".class";
        for (File file : pathList) {
            try (JarFile jar = new JarFile(file)) {
                ZipEntry entry = jar.getEntry(entryName);
                if (entry == null) continue;
                byte[] bytes;
                try (InputStream in = jar.getInputStream(entry)) { bytes = in.readAllBytes(); }
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                // an unreadable path element is skipped, as DexPathList does
            }
        }
        throw new ClassNotFoundException("Didn't find class \"" + name + "\" on path: DexPathList[" + pathList + "]");
    }

    @Override protected URL findResource(String name) {
        for (File file : pathList) {
            try (JarFile jar = new JarFile(file)) {
                if (jar.getEntry(name) != null) return new URL("jar:" + file.toURI().toURL() + "!/" + name);
            } catch (IOException e) {
                // skipped
            }
        }
        return null;
    }

    @Override public String toString() { return getClass().getName() + "[DexPathList[" + pathList + "]]"; }
}

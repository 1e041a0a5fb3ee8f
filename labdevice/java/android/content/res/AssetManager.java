package android.content.res;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/** The files under assets/ in the installed APK. */
public final class AssetManager {
    private final String apkPath;

    public AssetManager(String apkPath) { this.apkPath = apkPath; }

    public InputStream open(String fileName) throws IOException {
        try (JarFile apk = new JarFile(apkPath)) {
            ZipEntry entry = apk.getEntry("assets/" + fileName);
            if (entry == null) throw new FileNotFoundException(fileName);
            try (InputStream in = apk.getInputStream(entry)) {
                return new ByteArrayInputStream(in.readAllBytes());
            }
        }
    }
}

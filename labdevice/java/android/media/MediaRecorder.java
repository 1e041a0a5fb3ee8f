package android.media;

import labdevice.Calls;

/** Audio/video recording: choosing the microphone or camera as source is the sensitive step. */
public class MediaRecorder {
    public static final class AudioSource { public static final int MIC = 1; private AudioSource() {} }
    public static final class VideoSource { public static final int CAMERA = 1; private VideoSource() {} }

    private boolean prepared;

    public void setAudioSource(int source) { Calls.hit("android.media.MediaRecorder.setAudioSource"); }
    public void setVideoSource(int source) { Calls.hit("android.media.MediaRecorder.setVideoSource"); }
    public void setOutputFile(String path) {}
    public void prepare() { prepared = true; }

    public void start() {
        if (!prepared) throw new IllegalStateException("start called in an invalid state: 4");
        Calls.hit("android.media.MediaRecorder.start");
    }

    public void stop() {}
    public void release() {}
}

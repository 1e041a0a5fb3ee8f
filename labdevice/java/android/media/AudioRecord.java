package android.media;

import labdevice.Calls;

public class AudioRecord {
    public static final int RECORDSTATE_STOPPED = 1;
    public static final int RECORDSTATE_RECORDING = 3;
    private int state = RECORDSTATE_STOPPED;

    public AudioRecord(int audioSource, int sampleRateInHz, int channelConfig, int audioFormat, int bufferSizeInBytes) {}

    public void startRecording() {
        Calls.hit("android.media.AudioRecord.startRecording");
        state = RECORDSTATE_RECORDING;
    }

    public int getRecordingState() { return state; }
    public void stop() { state = RECORDSTATE_STOPPED; }
    public void release() { stop(); }
}

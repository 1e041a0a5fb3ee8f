package android;

/** The framework's resource ids the lab's views carry (their names appear in UI dumps as android:id/NAME). */
public final class R {
    private R() {}

    public static final class id {
        private id() {}
        public static final int content = 0x01020002;
        public static final int message = 0x0102000b;
        public static final int title = 0x01020016;
        public static final int button1 = 0x01020019;
        public static final int button2 = 0x0102001a;
        public static final int button3 = 0x0102001b;
        public static final int custom = 0x0102002b;
        public static final int alertTitle = 0x01020391;
        public static final int parentPanel = 0x010203a9;
        public static final int buttonPanel = 0x0102026a;
    }
}

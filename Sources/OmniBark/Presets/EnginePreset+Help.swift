extension EnginePreset {
    /// `--preset`'s help line, for the integrating command's `ArgumentHelp`.
    public static let optionHelp = "Engine preset: live-speech, daw, broadcast or hifi, or a preset JSON file. Flags given on the command line override the preset."

    /// `--preset`'s value name.
    public static let optionValueName = "name|file"

    /// A paragraph for a command's discussion: what each built-in is for and how a file preset
    /// falls back.
    public static let helpDiscussion = """
        Presets (--preset NAME|FILE; flags given on the command line override the preset):
          live-speech  lowest delay: chunked fine stage, int8 weights, 0.2 s lead, JACK
          daw          JACK, MIDI notes 36-43 → SFX slots 0-7, CC 1 style, CC 7 audio weight, OSC 9000, 8 s live reference
          broadcast    HTTP Ogg Opus (serve): exact fine stage, 2 s lead, router on
          hifi         best quality: f32 weights, exact fine stage, 6 s lead
        A preset file is JSON of the same shape (the repository's presets/*.json); it must give \
        "name", and any field it leaves out takes the live-speech value.
        """
}

import CNcursesw
import SpeculumRender
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal UI cannot start.
public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// The one place that talks to the terminal: ncursesw set-up and restoration, key reading, and
/// drawing the cells of a `ScreenBuffer` that changed since the last frame.
public final class Terminal {
    /// How many colours the terminal shows.
    public enum ColourDepth: String, Sendable { case none, sixteen = "16", indexed = "256", direct = "rgb" }

    public private(set) var depth: ColourDepth = .none
    private var previous: ScreenBuffer?
    private var pairs: [Int64: Int16] = [:]
    private var active = false

    /// Refuses terminals the UI cannot drive, with a message saying what to do instead.
    public static func check() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the playground needs a terminal on standard input and output (use `speculum generate` for pipes and files)")
        }
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        guard !term.isEmpty, term != "dumb" else {
            throw TerminalError(description: "TERM=\(term.isEmpty ? "(unset)" : term) cannot draw the playground; set TERM (e.g. xterm-256color) or use `speculum generate`")
        }
    }

    /// Takes over the terminal. `colour: false` draws with attributes only.
    public init(colour: Bool) throws {
        setlocale(LC_ALL, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_CTYPE, "C.UTF-8") }
        guard initscr() != nil else { throw TerminalError(description: "ncurses could not initialise the terminal (TERM=\(String(cString: getenv("TERM"))))") }
        active = true
        Terminal.installed = self
        cbreak()
        noecho()
        nonl()
        keypad(cn_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        if colour && has_colors() {
            start_color()
            use_default_colors()
            // Direct colour: the terminfo entry says RGB, or (xterm-direct) its colour count is 2^24.
            let rgb = cn_colors() >= 0x100_0000 || (cn_has_rgb() != 0 && cn_colors() >= 256)
            depth = rgb ? .direct : cn_colors() >= 256 ? .indexed : .sixteen
        }
    }

    deinit { restore() }

    /// Gives the terminal back (idempotent; also called on signals and at exit).
    public func restore() {
        guard active else { return }
        active = false
        curs_set(1)
        endwin()
    }

    nonisolated(unsafe) static var installed: Terminal?

    public var size: (width: Int, height: Int) { (Int(cn_cols()), Int(cn_lines())) }

    /// Forgets the last frame so the next draw repaints everything (after a resize).
    public func invalidate() {
        previous = nil
        clear()
    }

    /// Draws the cells that changed, grouped into runs of one style.
    public func draw(_ buffer: ScreenBuffer) {
        let changes = buffer.changes(since: previous)
        var i = 0
        while i < changes.count {
            let start = changes[i]
            var text = start.cell.symbol
            var end = start.x + max(1, displayWidth(start.cell.symbol))
            var j = i + 1
            while j < changes.count, changes[j].y == start.y, changes[j].x == end, changes[j].cell.style == start.cell.style {
                text += changes[j].cell.symbol
                end += max(1, displayWidth(changes[j].cell.symbol))
                j += 1
            }
            apply(start.cell.style)
            _ = mvwaddstr(cn_stdscr(), Int32(start.y), Int32(start.x), text)
            i = j
        }
        wrefresh(cn_stdscr())
        previous = buffer
    }

    private func apply(_ s: Style) {
        var attrs = cn_a_normal()
        if s.bold { attrs |= cn_a_bold() }
        if s.dim { attrs |= cn_a_dim() }
        if s.reverse { attrs |= cn_a_reverse() }
        if s.underline { attrs |= cn_a_underline() }
        var pair: Int16 = 0
        if depth != .none && (s.foreground != .default || s.background != .default) {
            pair = pairNumber(code(s.foreground), code(s.background))
        }
        wattr_set(cn_stdscr(), attrs, pair, nil)
    }

    /// A colour as the terminal takes it (−1: its default). Direct-colour terminals get 0xRRGGBB
    /// (indexed colours through the xterm palette); others get a palette index: RGB goes to the
    /// 6×6×6 cube, and 16-colour terminals get the nearest basic colour.
    private func code(_ c: Color) -> Int32 {
        var index: Int
        switch c {
        case .default: return -1
        case .indexed(let i):
            if depth == .direct { let (r, g, b) = Self.xterm(Int(i)); return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            index = Int(i)
        case .rgb(let r, let g, let b):
            if depth == .direct { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
            index = 16 + 36 * level(r) + 6 * level(g) + level(b)
        }
        if depth == .sixteen && index >= 16 { index = basic(index) }
        return Int32(index)
    }

    /// The RGB value xterm shows for a 256-colour index.
    static func xterm(_ i: Int) -> (Int, Int, Int) {
        let basic = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
                     (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        if i < 16 { return basic[i] }
        if i >= 232 { let v = 8 + 10 * (i - 232); return (v, v, v) }
        let levels = [0, 95, 135, 175, 215, 255], v = i - 16
        return (levels[v / 36], levels[(v / 6) % 6], levels[v % 6])
    }

    /// The nearest of the 16 basic colours to a 256-colour index.
    private func basic(_ i: Int) -> Int {
        if i >= 232 { return i < 244 ? 8 : 7 }
        let v = i - 16, r = v / 36, g = (v / 6) % 6, b = v % 6
        let bright = max(r, g, b) >= 4
        return (r >= 3 ? 1 : 0) + (g >= 3 ? 2 : 0) + (b >= 3 ? 4 : 0) + (bright ? 8 : 0)
    }

    private func pairNumber(_ fg: Int32, _ bg: Int32) -> Int16 {
        let key = Int64(fg) << 32 | Int64(UInt32(bitPattern: bg))
        if let p = pairs[key] { return p }
        let n = Int16(min(pairs.count + 1, Int(cn_color_pairs()) - 1, Int(Int16.max)))
        // Extended pairs take colour values beyond 16 bits (direct colour).
        init_extended_pair(Int32(n), fg, bg)
        pairs[key] = n
        return n
    }

    /// The next key, waiting at most `milliseconds` (nil when none came).
    public func readKey(milliseconds: Int32) -> Key? {
        wtimeout(cn_stdscr(), milliseconds)
        var ch: wint_t = 0
        let r = wget_wch(cn_stdscr(), &ch)
        if r == ERR { return nil }
        if r == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_ENTER: return .enter
            case KEY_RESIZE: return .resize
            case cn_key_btab(): return .backTab
            default: return nil
            }
        }
        switch ch {
        case 3: return .ctrlC
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)), ch >= 32 else { return nil }
            return .char(Character(scalar))
        }
    }
}

/// Restores the terminal if the process dies on a fatal signal, then lets the signal kill it.
public func installCrashRestore() {
    for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
        signal(sig) { s in
            endwin()
            signal(s, SIG_DFL)
            raise(s)
        }
    }
    atexit { Terminal.installed?.restore() }
}

/// A key press as the app sees it; the terminal backend translates its codes into these.
public enum Key: Sendable, Equatable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete
    case ctrlC, resize
}

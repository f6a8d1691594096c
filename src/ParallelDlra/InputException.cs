namespace ParallelDlra;

/// <summary>Bad input from the user (deck, command line, referenced files). The message is one
/// line that names the problem; the program reports it once and exits with code 2.</summary>
public sealed class InputException(string message) : Exception(message);

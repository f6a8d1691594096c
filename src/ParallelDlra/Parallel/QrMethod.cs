namespace ParallelDlra.Parallel;

// The tall-skinny QR method (deck key <c>solver.qr</c>), mapped from YAML by ParallelDlra.Deck.DeckReader.

/// <summary>How a tall-skinny block is orthonormalised (<c>ParallelDlra.Parallel.TallSkinnyQr</c>):
/// Householder TSQR (never breaks down), CholeskyQR2 (two Gram passes, κ up to about u^(-1/2)) or
/// shifted CholeskyQR3 (a shifted pass first, κ up to about u^(-1)). The Cholesky variants fall back
/// to shifted CholeskyQR3 and then TSQR when a Gram matrix is not numerically positive definite.</summary>
public enum QrMethod { Tsqr, CholeskyQr2, ShiftedCholeskyQr3 }

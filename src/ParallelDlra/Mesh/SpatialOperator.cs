namespace ParallelDlra.Mesh;

/// <summary>A sparse spatial operator D acting on the columns of an n_cells-long block. Never stored
/// dense: a three-point stencil along one axis, or a diagonal.</summary>
public abstract record SpatialOperator;

/// <summary>(D u)_i = Minus·u_{i−e_axis} + Center·u_i + Plus·u_{i+e_axis}; neighbours across a block face
/// come from the halo.</summary>
public sealed record StencilOperator(int Axis, double Minus, double Center, double Plus) : SpatialOperator;

/// <summary>(D u)_i = Weights[i]·u_i over the rank-local cells.</summary>
public sealed record DiagonalOperator(double[] Weights) : SpatialOperator;

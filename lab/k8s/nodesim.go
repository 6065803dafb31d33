package main

func runNodeSim(args []string) int { return 0 }

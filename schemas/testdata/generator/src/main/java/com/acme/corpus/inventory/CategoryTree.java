package com.acme.corpus.inventory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Category parents. depthOf recurses once per level, so the stack is as deep as the cycle is long. */
public class CategoryTree {
    private final Map<Integer, Integer> parents;

    public CategoryTree(Map<Integer, Integer> parents) {
        this.parents = parents;
    }

    public int depthOf(int categoryId) {
        return depthOf(categoryId, new HashSet<>());
    }

    private int depthOf(int categoryId, Set<Integer> seen) {
        if (!seen.add(categoryId)) {
            throw new IllegalStateException("Category " + categoryId + " is its own ancestor after "
                    + seen.size() + " levels");
        }
        Integer parent = parents.get(categoryId);
        return parent == null ? 0 : 1 + depthOf(parent, seen);
    }
}

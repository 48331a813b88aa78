/* widget: see issue 4 */
